"""A local OpenID Connect provider for the console's sign-in tests (plays Entra ID's part).

Real HTTP on loopback: a discovery document, an authorize endpoint that signs the test user in at
once and redirects back with a code, a token endpoint that checks the client secret and the PKCE
verifier (S256) and returns an ID token signed with the tests' own RSA key, and the key set.
`mode` makes it misbehave the ways a provider or an attacker could: a token for another audience,
an expired token, a token whose nonce is not the one the client sent, a token signed by another key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "test-client-secret-not-for-production"
MODES = ("ok", "wrong_audience", "expired", "bad_nonce", "foreign_key")


class OidcProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.mode = "ok"
        self.claims: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> OidcProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def reset(self, mode: str = "ok", **claims: Any) -> None:
        assert mode in MODES
        self.mode = mode
        self.claims = claims
        self.codes.clear()
        self.token_requests.clear()

    # -- tokens --------------------------------------------------------------------------------
    def _jwk(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        data.update(kid="test-key", use="sig", alg="RS256")
        return data

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": "subject-1", "aud": CLIENT_ID, "iat": now, "nbf": now, "exp": now + 600,
            "nonce": nonce, "oid": "00000000-0000-0000-0000-00000000a001", "name": "監査 太郎",
            "preferred_username": "kansa@example.city.lg.jp", "roles": ["Oasis.Admin"], "tid": "tenant-1",
        }
        claims.update(self.claims)
        if self.mode == "wrong_audience":
            claims["aud"] = "api://some-other-app"
        elif self.mode == "expired":
            claims["iat"], claims["nbf"], claims["exp"] = now - 7200, now - 7200, now - 3600
        elif self.mode == "bad_nonce":
            claims["nonce"] = "not-the-nonce-the-client-sent"
        key = self.other_key if self.mode == "foreign_key" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "test-key"})

    # -- HTTP ------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "jwks_uri": f"{provider.issuer}/keys",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["pairwise"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                    })
                if url.path == "/keys":
                    return self._json(200, {"keys": [provider._jwk()]})
                if url.path == "/authorize":
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = q
                    location = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}"
                    self.send_response(302)
                    self.send_header("Location", location)
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                if urlsplit(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                basic = self.headers.get("Authorization", "")
                client_id, secret = form.get("client_id"), form.get("client_secret")
                if basic.startswith("Basic "):
                    client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                provider.token_requests.append(form)
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or client_id != CLIENT_ID or secret != CLIENT_SECRET:
                    return self._json(400, {"error": "invalid_grant"})
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if grant.get("code_challenge_method") != "S256" or challenge != grant.get("code_challenge"):
                    return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                if form.get("redirect_uri") != grant.get("redirect_uri"):
                    return self._json(400, {"error": "invalid_grant"})
                return self._json(200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                                        "expires_in": 3600, "id_token": provider.id_token(grant.get("nonce", ""))})

        return Handler

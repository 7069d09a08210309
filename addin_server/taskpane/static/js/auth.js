// Identity for Entra mode: Office single sign-on. (Dev mode sends X-Oasis-User from api.js.)

import { ApiError } from "./api.js";

const SSO_MESSAGES = {
  13001: "Office にサインインしていません。Microsoft 365 のアカウントでサインインしてから、もう一度お試しください。",
  13002: "サインインまたは同意が取り消されました。もう一度お試しください。",
  13003: "この種類のアカウントではシングルサインオンを使えません。職員のアカウントでサインインしてください。",
  13006: "Office で問題が起きました。Office を再起動してから、もう一度お試しください。",
  13012: "この環境ではシングルサインオンに対応していません。管理者に連絡してください。",
};

/** A bearer token from Office single sign-on (IdentityAPI 1.3), prompting to sign in if needed. */
export async function officeToken() {
  if (!Office.auth || typeof Office.auth.getAccessToken !== "function") {
    throw new ApiError(401, "sso_unavailable", "この Office ではシングルサインオンを使えません。管理者に連絡してください。");
  }
  try {
    return await Office.auth.getAccessToken({ allowSignInPrompt: true, allowConsentPrompt: true });
  } catch (exc) {
    const code = exc && exc.code;
    const message = SSO_MESSAGES[code] || `サインインできませんでした（コード ${code ?? "不明"}）。時間をおいて、もう一度お試しください。`;
    throw new ApiError(401, "sso_failed", message);
  }
}

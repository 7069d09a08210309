// A fake Office host for the browser tests: implements the Word and Excel calls the task pane
// uses on an in-memory document and records every call, in order, in window.__fake.calls.
// Configure with window.__fakeOfficeConfig before this script runs (Playwright add_init_script).
(function () {
  "use strict";
  const cfg = Object.assign(
    { host: "word", sets: { WordApi: "1.4", ExcelApi: "1.10", IdentityAPI: "1.3" }, url: "https://example.test/doc" },
    window.__fakeOfficeConfig || {},
  );
  const calls = [];
  let seq = 0;
  function record(name, detail) {
    const entry = Object.assign({ seq: ++seq, name }, detail || {});
    calls.push(JSON.parse(JSON.stringify(entry)));
    return entry;
  }
  const settings = Object.assign({}, cfg.settings || {});

  function versionAtLeast(have, want) {
    const a = String(have).split(".").map(Number);
    const b = String(want || "1.1").split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
    }
    return true;
  }

  // ---------------------------------------------------------------- Word ----------------------
  const doc = {
    text: (cfg.word && cfg.word.paragraphs ? cfg.word.paragraphs : ["本文"]).join("\n"),
    selection: null,
    ranges: new Set(),
    controls: [],
    parts: [],
    trackingMode: (cfg.word && cfg.word.trackingMode) || "Off",
    revisions: [],
    bookmarks: new Map(), // lower-cased name -> {name, range}
    comments: [],
  };
  // Bookmark names as Word takes them: letters, digits, "_"; a leading "_" hides it; ≤ 40 chars.
  const BOOKMARK_NAME = /^_?[A-Za-z][A-Za-z0-9_]*$/;

  function track(r) {
    doc.ranges.add(r);
    return r;
  }

  function edit(start, end, replacement) {
    const old = doc.text.slice(start, end);
    doc.text = doc.text.slice(0, start) + replacement + doc.text.slice(end);
    const delta = replacement.length - (end - start);
    const move = (p, isEnd) => {
      if (end === start) return p > start ? p + delta : p; // text inserted at p stays after p
      if (p <= start) return p;
      if (p >= end) return p + delta;
      return isEnd ? start + replacement.length : start;
    };
    for (const r of doc.ranges) {
      r.start = move(r.start, false);
      r.end = move(r.end, true);
    }
    if (doc.trackingMode !== "Off") doc.revisions.push({ type: end > start ? "replace" : "insert", original: old, text: replacement });
    // Word deletes a bookmark whose whole text was deleted.
    for (const [key, b] of doc.bookmarks) if (b.range.start === b.range.end && end > start) doc.bookmarks.delete(key);
    return old;
  }

  class WRange {
    constructor(start, end) {
      this.start = start;
      this.end = end;
      track(this);
    }
    get text() {
      return doc.text.slice(this.start, this.end).replace(/\n/g, "\r");
    }
    load() {
      return this;
    }
    getRange(where) {
      const w = where || "Whole";
      if (w === "Start") return new WRange(this.start, this.start);
      if (w === "End") return new WRange(this.end, this.end);
      return new WRange(this.start, this.end);
    }
    expandTo(other) {
      return new WRange(Math.min(this.start, other.start), Math.max(this.end, other.end));
    }
    insertParagraph(text, location) {
      if (location !== "After" && location !== "Before") throw new Error("fake: unsupported location " + location);
      let at;
      if (location === "After") {
        at = doc.text.indexOf("\n", Math.max(this.end, this.start));
        if (at < 0) at = doc.text.length;
        record("Range.insertParagraph", { text, location, trackingMode: doc.trackingMode });
        edit(at, at, "\n" + text);
        return new WRange(at + 1, at + 1 + text.length);
      }
      at = doc.text.lastIndexOf("\n", this.start - 1) + 1;
      record("Range.insertParagraph", { text, location, trackingMode: doc.trackingMode });
      edit(at, at, text + "\n");
      return new WRange(at, at + text.length);
    }
    insertText(text, location) {
      if (location === "After" || location === "Before" || location === "End" || location === "Start") {
        const at = location === "After" || location === "End" ? this.end : this.start;
        record("Range.insertText", { text, location, original: "", trackingMode: doc.trackingMode });
        edit(at, at, text);
        return new WRange(at, at + text.length);
      }
      if (location !== "Replace") throw new Error("fake: unsupported location " + location);
      const original = doc.text.slice(this.start, this.end);
      record("Range.insertText", { text, location, original, trackingMode: doc.trackingMode });
      const s = this.start;
      edit(this.start, this.end, text);
      this.start = s;
      this.end = s + text.length;
      return new WRange(s, s + text.length);
    }
    insertBookmark(name) {
      requireSet("WordApi", "1.4");
      record("Range.insertBookmark", { bookmark: name, text: doc.text.slice(this.start, this.end) });
      if (typeof name !== "string" || name.length > 40 || !BOOKMARK_NAME.test(name)) {
        throw new Error("fake: InvalidArgument bookmark name " + name);
      }
      if (this.start === this.end) throw new Error("fake: bookmark on an empty range");
      doc.bookmarks.set(name.toLowerCase(), { name, range: new WRange(this.start, this.end) });
    }
    delete() {
      record("Range.delete", { original: doc.text.slice(this.start, this.end), trackingMode: doc.trackingMode });
      edit(this.start, this.end, "");
    }
    select(mode) {
      record("Range.select", { text: doc.text.slice(this.start, this.end), start: this.start, end: this.end, mode });
      doc.selection.start = this.start;
      doc.selection.end = this.end;
    }
    insertComment(text) {
      requireSet("WordApi", "1.4");
      record("Range.insertComment", { text, anchor: doc.text.slice(this.start, this.end), start: this.start, end: this.end });
      const comment = { content: text, authorName: cfg.userName || "職員 太郎", range: new WRange(this.start, this.end) };
      doc.comments.push(comment);
      return comment;
    }
    insertContentControl() {
      const range = new WRange(this.start, this.end);
      const cc = new WContentControl(range);
      doc.controls.push(cc);
      record("Range.insertContentControl", { text: doc.text.slice(this.start, this.end), trackingMode: doc.trackingMode });
      return cc;
    }
    search(query, options) {
      const needle = query.replace(/\^\^/g, "^");
      record("Range.search", { query, options: options || {} });
      const items = [];
      const hay = doc.text.slice(this.start, this.end);
      let i = needle ? hay.indexOf(needle) : -1;
      while (i >= 0) {
        items.push(new WRange(this.start + i, this.start + i + needle.length));
        i = hay.indexOf(needle, i + needle.length);
      }
      return { items, load() { return this; } };
    }
  }

  class WContentControl {
    constructor(range) {
      this.range = range;
      this.props = { tag: "", title: "", appearance: "BoundingBox" };
    }
    set tag(v) { record("ContentControl.tag", { value: v }); this.props.tag = v; }
    get tag() { return this.props.tag; }
    set title(v) { record("ContentControl.title", { value: v }); this.props.title = v; }
    get title() { return this.props.title; }
    set appearance(v) { this.props.appearance = v; }
    get appearance() { return this.props.appearance; }
    get text() { return this.range.text; }
    load() { return this; }
    getRange(where) { return this.range.getRange(where); }
    search(q, o) { return this.range.search(q, o); }
    select(mode) { return this.range.select(mode); }
  }

  function nsOf(xml) {
    const root = new DOMParser().parseFromString(xml, "application/xml").documentElement;
    return root ? root.namespaceURI : null;
  }

  // Reading document.changeTrackingMode needs load("changeTrackingMode") and a sync first (as in
  // Office.js: PropertyNotLoaded otherwise); the value read is the one at that sync.
  let loadedTracking = { requested: false, value: undefined };
  const TRACKING_MODES = new Set(["Off", "TrackAll", "TrackMineOnly"]);
  // The body as OOXML comes from the test (built with docx_tools from the same document), as
  // Word's body.getOoxml() returns a flat OPC package; the fake does not derive it from doc.text.
  const body = {
    getOoxml() {
      requireSet("WordApi", "1.1");
      record("body.getOoxml");
      return { value: (cfg.word && cfg.word.ooxml) || "" };
    },
    getRange(where) {
      const w = where || "Whole";
      if (w === "Start") return new WRange(0, 0);
      if (w === "End") return new WRange(doc.text.length, doc.text.length);
      return new WRange(0, doc.text.length);
    },
    search(q, o) { return new WRange(0, doc.text.length).search(q, o); },
    getComments() {
      requireSet("WordApi", "1.4");
      record("body.getComments");
      return { items: doc.comments.slice(), load() { return this; } };
    },
  };

  const wordDocument = {
    load() { return this; },
    get body() { return body; },
    contentControls: {
      getByTag(tag) {
        record("contentControls.getByTag", { tag });
        return { items: doc.controls.filter((cc) => cc.tag === tag), load() { return this; } };
      },
    },
    getSelection() {
      record("document.getSelection");
      return new WRange(doc.selection.start, doc.selection.end);
    },
    load(props) {
      const names = typeof props === "string" ? props.split(",").map((p) => p.trim()) : props || [];
      if (names.includes("changeTrackingMode")) {
        requireSet("WordApi", "1.4");
        loadedTracking = { requested: true, value: undefined };
      }
      return this;
    },
    set changeTrackingMode(v) {
      if (!TRACKING_MODES.has(v)) throw new Error("fake: InvalidArgument changeTrackingMode " + v);
      record("document.changeTrackingMode", { value: v });
      doc.trackingMode = v;
    },
    get changeTrackingMode() {
      if (loadedTracking.value === undefined) throw new Error("fake: PropertyNotLoaded changeTrackingMode");
      return loadedTracking.value;
    },
    getBookmarkRangeOrNullObject(name) {
      requireSet("WordApi", "1.4");
      record("document.getBookmarkRangeOrNullObject", { bookmark: name });
      const b = doc.bookmarks.get(String(name).toLowerCase());
      if (!b) return { isNullObject: true, load() { return this; }, get text() { throw new Error("fake: null object"); } };
      const r = new WRange(b.range.start, b.range.end);
      r.isNullObject = false;
      return r;
    },
    deleteBookmark(name) {
      requireSet("WordApi", "1.4");
      record("document.deleteBookmark", { bookmark: name });
      doc.bookmarks.delete(String(name).toLowerCase());
    },
    customXmlParts: {
      add(xml) {
        record("customXmlParts.add", { xml });
        const part = makePart(xml);
        doc.parts.push(part);
        return part;
      },
      getByNamespace(ns) {
        record("customXmlParts.getByNamespace", { ns });
        return { items: doc.parts.filter((p) => nsOf(p.xml) === ns), load() { return this; } };
      },
    },
  };

  function makePart(xml) {
    const part = {
      xml,
      getXml() { return { value: part.xml }; },
      setXml(x) { record("customXmlPart.setXml", { xml: x }); part.xml = x; },
    };
    return part;
  }
  for (const xml of (cfg.word && cfg.word.parts) || []) doc.parts.push(makePart(xml));
  for (const c of (cfg.word && cfg.word.controls) || []) {
    const cc = new WContentControl(new WRange(c.start, c.end));
    cc.props.tag = c.tag;
    cc.props.title = c.title || "";
    doc.controls.push(cc);
  }
  for (const c of (cfg.word && cfg.word.comments) || []) {
    doc.comments.push({ content: c.text, authorName: c.author, range: new WRange(0, 0) });
  }
  const sel = (cfg.word && cfg.word.selection) || [0, doc.text.length];
  doc.selection = track({ start: sel[0], end: sel[1] });

  function requireSet(name, version) {
    if (!versionAtLeast(cfg.sets[name] || "0", version)) throw new Error(`fake: ${name} ${version} not supported`);
  }

  window.Word = {
    ChangeTrackingMode: { off: "Off", trackAll: "TrackAll", trackMineOnly: "TrackMineOnly" },
    ContentControlAppearance: { boundingBox: "BoundingBox", tags: "Tags", hidden: "Hidden" },
    run(fn) {
      record("Word.run");
      const ctx = {
        get document() { return wordDocument; },
        sync() {
          if (loadedTracking.requested && loadedTracking.value === undefined) loadedTracking.value = doc.trackingMode;
          return Promise.resolve();
        },
      };
      loadedTracking = { requested: false, value: undefined }; // loads do not outlive their context
      // Calls above WordApi 1.1 fail like the real host does when the set is missing.
      const guarded = Object.create(ctx);
      guarded.sync = ctx.sync;
      Object.defineProperty(guarded, "document", {
        get() {
          return new Proxy(wordDocument, {
            get(target, prop) {
              if (prop === "customXmlParts") requireSet("WordApi", "1.4");
              return Reflect.get(target, prop);
            },
            set(target, prop, value) {
              if (prop === "changeTrackingMode") requireSet("WordApi", "1.4");
              return Reflect.set(target, prop, value);
            },
          });
        },
      });
      return Promise.resolve().then(() => fn(guarded));
    },
  };

  // ---------------------------------------------------------------- Excel ---------------------
  function colIndex(letters) {
    let n = 0;
    for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
    return n - 1;
  }
  function colName(i) {
    let n = i + 1, s = "";
    while (n > 0) { const r = (n - 1) % 26; s = String.fromCharCode(65 + r) + s; n = Math.floor((n - 1) / 26); }
    return s;
  }
  function parseAddress(a) {
    const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/.exec(a.replace(/\$/g, ""));
    if (!m) throw new Error("fake: bad address " + a);
    const r0 = Number(m[2]) - 1, c0 = colIndex(m[1]);
    const r1 = m[4] ? Number(m[4]) - 1 : r0, c1 = m[3] ? colIndex(m[3]) : c0;
    return { row: r0, col: c0, rows: r1 - r0 + 1, cols: c1 - c0 + 1 };
  }
  function splitRef(ref) {
    const m = /^(?:'((?:[^']|'')+)'|([^!]+))!(.+)$/.exec(ref);
    if (!m) throw new Error("fake: bad reference " + ref);
    return { sheet: (m[1] || m[2]).replace(/''/g, "'"), address: m[3] };
  }

  const book = { sheets: new Map(), comments: [], selection: null };
  function addSheet(name) {
    const sheet = { name, cells: new Map(), formats: new Map(), visibility: "Visible" };
    book.sheets.set(name, sheet);
    return sheet;
  }
  const xl = cfg.excel || { sheets: { Sheet1: {} }, selection: "Sheet1!A1" };
  for (const [name, cells] of Object.entries(xl.sheets)) {
    const sheet = addSheet(name);
    for (const [addr, v] of Object.entries(cells)) {
      const p = parseAddress(addr);
      sheet.cells.set(`${p.row},${p.col}`, v);
    }
  }
  book.selection = splitRef(xl.selection);
  book.active = book.selection.sheet;

  class XRange {
    constructor(sheet, row, col, rows, cols) {
      Object.assign(this, { sheet, rowIndex: row, columnIndex: col, rowCount: rows, columnCount: cols });
    }
    get localAddress() {
      const a = `${colName(this.columnIndex)}${this.rowIndex + 1}`;
      if (this.rowCount === 1 && this.columnCount === 1) return a;
      return `${a}:${colName(this.columnIndex + this.columnCount - 1)}${this.rowIndex + this.rowCount}`;
    }
    get address() {
      return `${this.sheet.name}!${this.localAddress}`;
    }
    get worksheet() { return new XSheet(this.sheet); }
    get values() {
      const out = [];
      for (let r = 0; r < this.rowCount; r++) {
        const row = [];
        for (let c = 0; c < this.columnCount; c++) {
          const v = this.sheet.cells.get(`${this.rowIndex + r},${this.columnIndex + c}`);
          row.push(v === undefined ? "" : v);
        }
        out.push(row);
      }
      return out;
    }
    set values(v) {
      record("Range.values", { sheet: this.sheet.name, address: this.localAddress, values: v });
      for (let r = 0; r < this.rowCount; r++) {
        for (let c = 0; c < this.columnCount; c++) this.sheet.cells.set(`${this.rowIndex + r},${this.columnIndex + c}`, v[r][c]);
      }
    }
    set numberFormat(v) {
      record("Range.numberFormat", { sheet: this.sheet.name, address: this.localAddress, value: v });
    }
    select() {
      record("Range.select", { sheet: this.sheet.name, address: this.localAddress });
      if (book.active !== this.sheet.name) throw new Error("fake: Range.select on a sheet that is not active");
      book.selection = { sheet: this.sheet.name, address: this.localAddress };
    }
    load() { return this; }
  }

  class XSheet {
    constructor(sheet) { this.sheet = sheet; this.isNullObject = false; }
    get name() { return this.sheet.name; }
    get visibility() { return this.sheet.visibility; }
    set visibility(v) {
      record("Worksheet.visibility", { sheet: this.sheet.name, value: v });
      this.sheet.visibility = v;
    }
    activate() {
      record("Worksheet.activate", { sheet: this.sheet.name });
      if (this.sheet.visibility !== "Visible") throw new Error("fake: a hidden sheet cannot be activated");
      book.active = this.sheet.name;
    }
    load() { return this; }
    getRange(address) {
      const p = parseAddress(address);
      return new XRange(this.sheet, p.row, p.col, p.rows, p.cols);
    }
    getRangeByIndexes(r, c, rows, cols) { return new XRange(this.sheet, r, c, rows, cols); }
    getUsedRange() {
      let r0 = Infinity, c0 = Infinity, r1 = 0, c1 = 0;
      for (const [key, v] of this.sheet.cells) {
        if (v === "" || v === null) continue;
        const [r, c] = key.split(",").map(Number);
        r0 = Math.min(r0, r); c0 = Math.min(c0, c); r1 = Math.max(r1, r); c1 = Math.max(c1, c);
      }
      if (r0 === Infinity) return new XRange(this.sheet, 0, 0, 1, 1);
      return new XRange(this.sheet, r0, c0, r1 - r0 + 1, c1 - c0 + 1);
    }
  }

  function commentObject(c) {
    return {
      get content() { return c.content; },
      set content(v) {
        record("Comment.content", { sheet: c.sheet, address: c.address, value: v });
        c.content = v;
      },
      get authorName() { return c.author || "職員 太郎"; },
      getLocation() {
        const p = parseAddress(c.address);
        return new XRange(book.sheets.get(c.sheet) || { name: c.sheet, cells: new Map() }, p.row, p.col, 1, 1);
      },
      load() { return this; },
    };
  }
  for (const c of xl.comments || []) book.comments.push({ sheet: c.sheet, address: c.address, content: c.content, author: c.author });

  const workbook = {
    getSelectedRange() {
      record("workbook.getSelectedRange");
      const sheet = book.sheets.get(book.selection.sheet);
      const p = parseAddress(book.selection.address);
      return new XRange(sheet, p.row, p.col, p.rows, p.cols);
    },
    worksheets: {
      getItem(name) {
        const sheet = book.sheets.get(name);
        if (!sheet) throw new Error("fake: no sheet " + name);
        return new XSheet(sheet);
      },
      getItemOrNullObject(name) {
        const sheet = book.sheets.get(name);
        return sheet ? new XSheet(sheet) : { isNullObject: true, load() { return this; } };
      },
      add(name) {
        record("worksheets.add", { sheet: name });
        if (book.sheets.has(name)) throw new Error("fake: sheet exists " + name);
        return new XSheet(addSheet(name));
      },
    },
    get comments() {
      requireSet("ExcelApi", "1.10");
      return {
        add(cellAddress, content) {
          record("comments.add", { cellAddress, content });
          const ref = splitRef(cellAddress);
          if (book.comments.some((c) => c.sheet === ref.sheet && c.address === ref.address)) {
            throw new Error("fake: cell already has a comment");
          }
          book.comments.push({ sheet: ref.sheet, address: ref.address, content });
        },
        getItemByCell(cellAddress) {
          const ref = splitRef(cellAddress);
          const c = book.comments.find((x) => x.sheet === ref.sheet && x.address === ref.address);
          if (!c) throw new Error("fake: ItemNotFound " + cellAddress);
          return commentObject(c);
        },
        get items() { return book.comments.map(commentObject); },
        load() { return this; },
      };
    },
  };

  window.Excel = {
    SheetVisibility: { visible: "Visible", hidden: "Hidden", veryHidden: "VeryHidden" },
    run(fn) {
      record("Excel.run");
      return Promise.resolve().then(() => fn({ workbook, sync: () => Promise.resolve() }));
    },
  };

  // ---------------------------------------------------------------- Office ---------------------
  const hostType = { Word: "Word", Excel: "Excel", PowerPoint: "PowerPoint", Outlook: "Outlook" };
  window.Office = {
    HostType: hostType,
    onReady(cb) {
      const info = { host: cfg.host === "excel" ? hostType.Excel : hostType.Word, platform: "OfficeOnline" };
      return new Promise((resolve) => {
        setTimeout(() => {
          if (cb) cb(info);
          resolve(info);
        }, 0);
      });
    },
    context: {
      requirements: {
        isSetSupported(name, version) {
          const ok = name in cfg.sets && versionAtLeast(cfg.sets[name], version);
          record("requirements.isSetSupported", { set: name, version, result: ok });
          return ok;
        },
      },
      document: {
        url: cfg.url,
        settings: {
          get(k) { return k in settings ? settings[k] : null; },
          set(k, v) { record("settings.set", { key: k, value: v }); settings[k] = v; },
          remove(k) { delete settings[k]; },
          saveAsync(cb) { record("settings.saveAsync"); if (cb) setTimeout(() => cb({ status: "succeeded" }), 0); },
        },
      },
    },
    auth: {
      getAccessToken(options) {
        record("auth.getAccessToken", { options });
        if (cfg.tokenError) return Promise.reject({ code: cfg.tokenError });
        return Promise.resolve(cfg.token || "fake-token");
      },
    },
  };

  // ---------------------------------------------------------------- inspection -----------------
  window.__fake = {
    calls,
    // What the person does in the document between the pane's steps.
    select(start, end) {
      doc.selection.start = start;
      doc.selection.end = end;
    },
    type(start, end, text) {
      edit(start, end, text);
    },
    selectCells(ref) {
      book.selection = splitRef(ref);
      book.active = book.selection.sheet;
    },
    snapshot() {
      const sheets = {};
      for (const [name, s] of book.sheets) {
        const cells = {};
        for (const [key, v] of s.cells) {
          const [r, c] = key.split(",").map(Number);
          if (v !== "" && v !== null) cells[`${colName(c)}${r + 1}`] = v;
        }
        sheets[name] = { visibility: s.visibility, cells };
      }
      return {
        calls,
        settings,
        word: {
          text: doc.text,
          trackingMode: doc.trackingMode,
          revisions: doc.revisions,
          controls: doc.controls.map((cc) => ({ tag: cc.tag, title: cc.title, text: doc.text.slice(cc.range.start, cc.range.end) })),
          parts: doc.parts.map((p) => p.xml),
          bookmarks: [...doc.bookmarks.values()].map((b) => ({ name: b.name, text: doc.text.slice(b.range.start, b.range.end) })),
          selection: [doc.selection.start, doc.selection.end],
          comments: doc.comments.map((c) => ({ text: c.content, author: c.authorName,
            anchor: doc.text.slice(c.range.start, c.range.end) })),
          selectionText: doc.text.slice(doc.selection.start, doc.selection.end),
        },
        excel: { sheets, comments: book.comments, active: book.active, selection: book.selection },
      };
    },
  };
})();

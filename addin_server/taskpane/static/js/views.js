// The pane's views and the tab list that switches between them (WAI-ARIA tabs pattern).
//
// A view is a <button id="tab-<id>" role="tab"> plus a <section id="view-<id>" role="tabpanel">
// in taskpane.html, and a module that calls registerView(id, {init, onShow}). Tabs of views that
// no module registered stay hidden; the tab list itself appears once there are two views.
// init(context) runs once when the pane has started (context: {host, config, api}); onShow()
// runs every time the view is shown.

const views = new Map(); // id -> {init, onShow, started}
let context = null;

const tab = (id) => document.getElementById(`tab-${id}`);
const panel = (id) => document.getElementById(`view-${id}`);

function startView(id) {
  const view = views.get(id);
  if (!context || view.started) return;
  view.started = true;
  if (view.init) view.init(context);
}

function refreshTabs() {
  for (const id of views.keys()) tab(id).hidden = false;
  document.getElementById("view-tabs").hidden = views.size < 2;
}

export function registerView(id, { init = null, onShow = null } = {}) {
  if (!tab(id) || !panel(id)) throw new Error(`view ${id}: tab-${id} and view-${id} are missing`);
  views.set(id, { init, onShow, started: false });
  refreshTabs();
  startView(id);
}

export function currentView() {
  for (const id of views.keys()) if (!panel(id).hidden) return id;
  return null;
}

/** Show one view; `focus` moves the keyboard focus to its tab (as arrow keys do). */
export function showView(id, { focus = false } = {}) {
  if (!views.has(id)) return;
  for (const other of views.keys()) {
    const selected = other === id;
    tab(other).setAttribute("aria-selected", String(selected));
    tab(other).tabIndex = selected ? 0 : -1;
    panel(other).hidden = !selected;
  }
  if (focus) tab(id).focus();
  const view = views.get(id);
  if (view.onShow) view.onShow();
}

function onKey(event) {
  const ids = [...views.keys()];
  const here = ids.indexOf(event.target.id.replace(/^tab-/, ""));
  if (here < 0) return;
  const next = {
    ArrowRight: (here + 1) % ids.length,
    ArrowLeft: (here - 1 + ids.length) % ids.length,
    Home: 0,
    End: ids.length - 1,
  }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  showView(ids[next], { focus: true });
}

/** Called once by main.js when the pane has started; registered views get init(context). */
export function startViews(ctx) {
  context = ctx;
  const list = document.getElementById("view-tabs");
  list.addEventListener("keydown", onKey);
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[role=tab]");
    if (button) showView(button.id.replace(/^tab-/, ""));
  });
  for (const id of views.keys()) startView(id);
}

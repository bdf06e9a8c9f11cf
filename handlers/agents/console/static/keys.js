// The console's keys: j/k through the queue and Enter to open, r reply, n note, t take,
// ? for the help overlay. Ignored while typing in a field (Esc leaves the field) and with
// Ctrl, Alt or Meta held, so the browser's own shortcuts still work.
"use strict";

(function () {
  const help = document.getElementById("keys-help");
  let opener = null;
  let current = null; // the highlighted ticket's number, kept across live refreshes

  function typing(target) {
    if (!(target instanceof Element)) return false;
    return target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']") !== null;
  }

  function rows() {
    return Array.from(document.querySelectorAll("#queue-table tbody tr[data-ticket]"));
  }

  function highlight(row) {
    for (const r of rows()) r.classList.toggle("current", r === row);
    if (!row) return;
    current = row.dataset.ticket;
    const link = row.querySelector("a.ticket-link");
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (all.length === 0) return;
    let at = all.findIndex((r) => r.dataset.ticket === current);
    at = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    highlight(all[at]);
  }

  function focusBox(id) {
    const box = document.getElementById(id);
    if (!box) return false;
    box.scrollIntoView({ block: "center" });
    box.focus();
    return true;
  }

  function openHelp() {
    if (!help || help.open) return;
    opener = document.activeElement;
    help.showModal();
  }

  if (help) {
    help.addEventListener("close", () => {
      if (opener && typeof opener.focus === "function") opener.focus();
      opener = null;
    });
  }

  // The live refetch replaces the table: keep the highlight on the same ticket.
  const table = document.getElementById("queue-table");
  if (table) {
    new MutationObserver(() => {
      if (!current) return;
      const lost = document.activeElement === document.body || document.activeElement === null;
      for (const r of rows()) {
        const on = r.dataset.ticket === current;
        r.classList.toggle("current", on);
        // The highlighted link was replaced: give it its focus back, not the page's.
        if (on && lost) r.querySelector("a.ticket-link")?.focus();
      }
    }).observe(table, { childList: true });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (help && help.open) return; // the dialog handles its own keys (Esc closes it)
    let done = true;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "r": done = focusBox("reply-text"); break;
      case "n": done = focusBox("note-text"); break;
      case "t": {
        const take = document.getElementById("take-form");
        if (take) take.requestSubmit(); else done = false;
        break;
      }
      case "?": openHelp(); break;
      case "Enter": {
        // A focused link opens by itself; this is for a highlight whose focus was lost.
        const row = rows().find((r) => r.dataset.ticket === current);
        const link = row && row.querySelector("a.ticket-link");
        if (link && event.target === document.body) link.click(); else done = false;
        break;
      }
      default: done = false;
    }
    if (done) event.preventDefault();
  });
})();

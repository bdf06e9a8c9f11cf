// Relative times ("12 min", "in 5 min", "23 min late") stay true while a page stays open:
// each <time data-rel> keeps its moment in datetime=; its absolute time (in the desk's zone)
// is in its title, rendered by the server. Worded as the server words them (Babel's short
// English units, threshold 1.5); longer spans keep the server's text.
"use strict";

(function () {
  const UNITS = [
    [86400, (n) => n + (n === 1 ? " day" : " days")],
    [3600, (n) => n + " hr"],
    [60, (n) => n + " min"],
    [1, (n) => n + " sec"],
  ];
  const THRESHOLD = 1.5;

  function span(seconds) {
    const s = Math.abs(seconds);
    if (s >= 7 * 86400 * THRESHOLD) return null; // weeks and beyond: the server's words
    for (const [size, word] of UNITS) {
      const value = s / size;
      if (value >= THRESHOLD) return word(Math.max(1, Math.round(value)));
    }
    return Math.round(s) + " sec";
  }

  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll("time[data-rel]")) {
      const at = Date.parse(el.getAttribute("datetime"));
      if (Number.isNaN(at)) continue;
      const seconds = (now - at) / 1000; // > 0: in the past
      const text = span(seconds);
      if (text === null) continue;
      const kind = el.dataset.rel;
      if (kind === "since") {
        el.textContent = text;
      } else if (kind === "ago") {
        el.textContent = seconds >= 0 ? text + " ago" : "in " + text;
      } else if (kind === "due") {
        const late = seconds > 0;
        el.textContent = late ? text + " late" : "in " + text;
        el.classList.toggle("late", late);
      }
    }
  }

  setInterval(tick, 15000);
  // A live update swaps fresh server text in; the next tick carries on from it.
  document.addEventListener("visibilitychange", () => { if (!document.hidden) tick(); });
})();

// Progressive enhancement for reader pages: every page works without this file.
// Adds the reader's own time beside clock times shown in the story's zone, and sends a link to
// one update (#update-<id>) that is no longer among the latest on the story page to its own page.
(function () {
  "use strict";

  function zoneOffsetMinutes(date, timeZone) {
    var parts = new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric",
    }).formatToParts(date);
    var get = function (type) {
      return Number(parts.find(function (p) { return p.type === type; }).value);
    };
    var asUTC = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"));
    return Math.round((asUTC - date.getTime()) / 60000);
  }

  function shownOffsetMinutes(iso) {
    var match = /([+-])(\d{2}):(\d{2})$/.exec(iso);
    if (!match) { return /Z$/.test(iso) ? 0 : null; }
    var minutes = Number(match[2]) * 60 + Number(match[3]);
    return match[1] === "-" ? -minutes : minutes;
  }

  function addLocalTimes(root) {
    if (!window.Intl || !Intl.DateTimeFormat) { return; }
    var readerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var times = root.querySelectorAll("time[data-local-time]:not([data-local-time-done])");
    Array.prototype.forEach.call(times, function (node) {
      node.setAttribute("data-local-time-done", "");
      var iso = node.getAttribute("datetime");
      var date = new Date(iso);
      if (isNaN(date.getTime())) { return; }
      if (shownOffsetMinutes(iso) === zoneOffsetMinutes(date, readerZone)) { return; }
      // en-US names zones the way readers know them ("EDT", "PST"); en-GB would say "GMT-4".
      var label = new Intl.DateTimeFormat("en-US", {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
      }).format(date);
      var shownDay = iso.slice(0, 10);
      var localDay = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
      if (localDay !== shownDay) {
        label += ", " + new Intl.DateTimeFormat("en-US", { month: "long", day: "numeric" }).format(date);
      }
      var extra = document.createElement("span");
      extra.className = "local-time";
      extra.textContent = " (" + label + " your time)";
      node.insertAdjacentElement("afterend", extra);
    });
  }

  // The story page shows only the latest updates. A shared link to an older one
  // (/stories/<slug>/#update-<id>) would land nowhere: open that update's own page instead.
  function followUpdateLink() {
    var match = /^#update-(\d+)$/.exec(window.location.hash);
    var list = document.getElementById("updates");
    if (!match || !list || !list.dataset.updateUrl || document.getElementById("update-" + match[1])) { return; }
    window.location.replace(list.dataset.updateUrl.replace(/\/0\/$/, "/" + match[1] + "/"));
  }

  followUpdateLink();
  window.addEventListener("hashchange", followUpdateLink);
  document.addEventListener("DOMContentLoaded", function () { addLocalTimes(document); });
  // Live updates (added by another script) can ask for the same treatment.
  document.addEventListener("newsroom:updates-added", function (event) {
    addLocalTimes(event.target || document);
  });
})();

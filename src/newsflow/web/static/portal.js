// The portal's own part of the live wire (the list itself is static/wire.js): saved-search alerts
// are raised on the server as the same stories arrive, so the badge asks for its number a moment
// after each burst of arrivals.
"use strict";
(function () {
  const badge = document.getElementById("alert-count");
  if (!badge) return;
  let timer = null;
  document.addEventListener("wire:arrival", function () {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      fetch("/portal/alerts/count", {credentials: "same-origin"}).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (body) {
        if (!body) return;
        badge.firstChild.nodeValue = String(body.unseen);
        badge.hidden = body.unseen === 0;
      }).catch(function () { /* the next story tries again */ });
    }, 1500);
  });
})();

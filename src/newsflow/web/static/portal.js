// The portal's live wire: new stories from /portal/events (SSE, ninjs) go on top of the list.
(function () {
  "use strict";
  var list = document.getElementById("wire");
  if (!list || list.dataset.live !== "on" || !window.EventSource) return;
  var status = document.getElementById("live");
  var waiting = 0;

  function headline(item) {
    var h = item.headlines && item.headlines[0];
    return (h && h.value) || item.headline || "(no headline)";
  }

  function stamp(d) {  // as the server writes times: 27.11.2026 17:02 (UTC)
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getUTCDate()) + "." + two(d.getUTCMonth() + 1) + "." + d.getUTCFullYear() + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  function guidOf(item) {
    var uri = item.uri || "";
    return decodeURIComponent(uri.substring(uri.lastIndexOf("/") + 1));
  }

  function matches(item) {
    var lang = list.dataset.language, urgency = list.dataset.urgency;
    if (lang && item.language !== lang) return false;
    if (urgency && item.urgency && item.urgency > Number(urgency)) return false;
    return true;
  }

  function show(kind, item) {
    var guid = guidOf(item);
    if (!guid || !matches(item)) return;
    if (list.dataset.filtered) {  // a filter the item alone cannot decide: offer a reload
      waiting += 1;
      status.hidden = false;
      status.textContent = "";
      var a = document.createElement("a");
      a.href = location.href;
      // the page puts the words in the reader's UI language
      a.textContent = (status.dataset.reload || "{n} new: reload").replace("{n}", String(waiting));
      status.appendChild(a);
      return;
    }
    var old = list.querySelector('li[data-guid="' + CSS.escape(guid) + '"]');
    if (old) old.remove();
    var empty = list.querySelector("li.empty");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.className = "hit fresh";
    li.dataset.guid = guid;
    var link = document.createElement("a");
    link.href = "/portal/stories/" + encodeURIComponent(guid);
    var strong = document.createElement("strong");
    strong.textContent = headline(item);
    link.appendChild(strong);
    li.appendChild(link);
    var meta = document.createElement("span");
    meta.className = "meta";
    var when = item.versioncreated ? stamp(new Date(item.versioncreated)) : "";
    meta.textContent = " " + [when, kind !== "publish" ? kind : "", item.language || ""].filter(Boolean).join(" · ");
    li.appendChild(meta);
    list.insertBefore(li, list.firstChild);
  }

  // Saved-search alerts are raised on the server as the same events arrive: ask for the badge's
  // number a moment later, once per burst of stories.
  var badge = document.getElementById("alert-count"), badgeTimer = null;
  function refreshBadge() {
    if (!badge || badgeTimer) return;
    badgeTimer = setTimeout(function () {
      badgeTimer = null;
      fetch("/portal/alerts/count", {credentials: "same-origin"}).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (body) {
        if (!body) return;
        badge.firstChild.nodeValue = String(body.unseen);
        badge.hidden = body.unseen === 0;
      }).catch(function () { /* the next story tries again */ });
    }, 1500);
  }

  var source = new EventSource("/portal/events");
  ["publish", "update", "correct", "embargo_lift"].forEach(function (kind) {
    source.addEventListener(kind, function (e) {
      try { show(kind, JSON.parse(e.data)); } catch (err) { /* a frame we cannot read: skip it */ }
      refreshBadge();
    });
  });
  source.addEventListener("kill", function (e) {
    try {
      var gone = list.querySelector('li[data-guid="' + CSS.escape(guidOf(JSON.parse(e.data))) + '"]');
      if (gone) gone.remove();
    } catch (err) { /* ignore */ }
  });
})();

// The desk's live view: new distribution-log events arrive over /desk/events (Server-Sent Events)
// and are put at the top of the table. EventSource reconnects by itself and sends Last-Event-ID,
// so nothing is missed across a dropped connection.
"use strict";
(function () {
  const table = document.getElementById("live");
  const state = document.getElementById("live-state");
  if (!table || !window.EventSource) return;
  const body = table.tBodies[0];
  // the page puts the status lines in the reader's UI language; English if an attribute is missing
  const words = {
    connected: state.dataset.connected || "Live: connected.",
    lost: state.dataset.lost || "Live: connection lost, reconnecting…",
    last: state.dataset.last || "Live: last event #{seq} ({kind}).",
  };
  // an event's time as the server-drawn rows show it: the reader's locale and zone, the zone named
  const when = new Intl.DateTimeFormat(table.dataset.locale || undefined, {
    // (dateStyle cannot be combined with timeZoneName, so the parts are named one by one)
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: table.dataset.zone || "UTC", timeZoneName: "short",
  });
  const source = new EventSource("/desk/events?after=" + encodeURIComponent(table.dataset.after || "0"));

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text; // text only: a headline is never parsed as HTML
    return td;
  }

  source.onmessage = function (message) {
    const ev = JSON.parse(message.data);
    const row = document.createElement("tr");
    row.className = "fresh ev-" + ev.kind;
    const story = document.createElement("td");
    const link = document.createElement("a");
    link.href = "/desk/stories/" + encodeURIComponent(ev.guid);
    link.textContent = ev.headline;
    link.dir = "auto"; // a headline keeps its own direction whatever the UI's is
    story.appendChild(link);
    row.append(cell(String(ev.seq)), cell(when.format(new Date(ev.created))), cell(ev.kind), story, cell(String(ev.version)));
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > 200) body.deleteRow(-1);
    state.textContent = words.last.replace("{seq}", String(ev.seq)).replace("{kind}", ev.kind);
  };
  source.onopen = function () { state.textContent = words.connected; };
  source.onerror = function () { state.textContent = words.lost; };
})();

// The desk's live view: new distribution-log events arrive over /desk/events (Server-Sent Events)
// and are put at the top of the table. EventSource reconnects by itself and sends Last-Event-ID,
// so nothing is missed across a dropped connection.
"use strict";
(function () {
  const table = document.getElementById("live");
  const state = document.getElementById("live-state");
  if (!table || !window.EventSource) return;
  const body = table.tBodies[0];
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
    story.appendChild(link);
    row.append(cell(String(ev.seq)), cell(ev.created), cell(ev.kind), story, cell(String(ev.version)));
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > 200) body.deleteRow(-1);
    state.textContent = "Live: last event #" + ev.seq + " (" + ev.kind + ").";
  };
  source.onopen = function () { state.textContent = "Live: connected."; };
  source.onerror = function () { state.textContent = "Live: connection lost, reconnecting…"; };
})();

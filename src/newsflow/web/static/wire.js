// The wire screen of the portal and the desk (templates/_wire_screen.html): relative times and
// embargo countdowns, keyboard shortcuts, the reading pane, copy text, the "Download selected" bar
// and live arrivals. Every word it writes comes from the page's data- attributes (the reader's UI
// language); a live row is the server's own row partial, so it carries all a reloaded row has.
"use strict";
(function () {
  const lang = document.documentElement.lang || "en";
  const list = document.getElementById("wire");
  const pane = document.getElementById("wire-pane");
  const announce = document.getElementById("wire-announce");
  const help = document.getElementById("wire-help");
  const wide = window.matchMedia("(min-width: 60rem)");

  // ---- times --------------------------------------------------------------------------------
  const relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, {numeric: "auto"}) : null;
  const STEPS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];

  function fromNow(when) {
    const seconds = (when.getTime() - Date.now()) / 1000;
    if (!relative) return when.toLocaleString(lang);
    for (const [unit, size] of STEPS) {
      if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
    }
    return relative.format(Math.round(seconds), "second");
  }

  function tick(root) {
    (root || document).querySelectorAll("time[data-ago]").forEach(function (el) {
      const when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) el.textContent = fromNow(when);
    });
    (root || document).querySelectorAll("[data-embargo]").forEach(function (el) {
      const when = new Date(el.dataset.embargo);
      if (isNaN(when)) return;
      const held = when.getTime() > Date.now();
      el.textContent = held ? el.dataset.lifts.replace("{when}", fromNow(when)) : el.dataset.lifted;
      el.classList.toggle("badge-embargo", held);
      el.classList.toggle("badge-lifted", !held);
    });
  }
  tick();
  setInterval(tick, 15000); // minutes are the finest unit shown, embargoes lift on the minute at most

  // ---- copy text --------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest(".copy-text");
    if (!button) return;
    const scope = button.closest(".story-tools").parentElement;
    const parts = ["headline", "byline", "dateline", "body"].map(function (name) {
      const el = scope.querySelector('[data-copy="' + name + '"]');
      return el ? el.innerText.trim() : "";
    }).filter(Boolean);
    const status = button.parentElement.querySelector(".copy-status");
    const done = function (ok) { status.textContent = ok ? button.dataset.copied : button.dataset.failed; };
    if (!navigator.clipboard) { done(false); return; }
    navigator.clipboard.writeText(parts.join("\n\n")).then(function () { done(true); }, function () { done(false); });
  });

  if (!list) return;

  // ---- selection, reading pane and keys ---------------------------------------------------------
  function rows() { return Array.from(list.querySelectorAll("li.wire-row")); }
  function selected() { return list.querySelector("li.wire-row.selected"); }

  let paneTimer = null;
  function select(row, focus) {
    if (!row) return;
    const was = selected();
    if (was) { was.classList.remove("selected"); was.removeAttribute("aria-current"); }
    row.classList.add("selected");
    row.setAttribute("aria-current", "true");
    const link = row.querySelector("a.wire-headline");
    if (focus && link) link.focus();
    row.scrollIntoView({block: "nearest"});
    if (pane && wide.matches && row.dataset.pane) {
      clearTimeout(paneTimer);  // j held down: load only where the reader stops
      paneTimer = setTimeout(function () { showPane(row); }, 120);
    }
  }

  function paneMessage(text) {
    pane.textContent = "";
    const p = document.createElement("p");
    p.className = "wire-pane-hint";
    p.textContent = text;
    pane.appendChild(p);
  }

  function showPane(row) {
    const address = row.dataset.pane;
    pane.dataset.showing = address;
    pane.setAttribute("aria-busy", "true");
    fetch(address, {credentials: "same-origin"}).then(function (r) {
      if (r.status === 404 || r.status === 410) return null;
      if (!r.ok) throw new Error(String(r.status));
      return r.text();
    }).then(function (html) {
      if (pane.dataset.showing !== address) return;  // another row was chosen meanwhile
      if (html === null) paneMessage(pane.dataset.gone);
      else { pane.innerHTML = html; tick(pane); }  // the server's escaped partial, same as the story page
      pane.scrollTop = 0;
    }).catch(function () {
      if (pane.dataset.showing === address) paneMessage(pane.dataset.failed);
    }).finally(function () { pane.removeAttribute("aria-busy"); });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(selected());
    const next = at < 0 ? all[0] : all[Math.min(all.length - 1, Math.max(0, at + step))];
    select(next, true);
  }

  function open(row) {
    const link = row && row.querySelector("a.wire-headline");
    if (link) window.location.assign(link.href);
  }

  function typing(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable], dialog[open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    const row = selected();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": open(row); break;
      case "Enter":
        if (!row || !row.contains(event.target)) return;  // Enter elsewhere keeps its own meaning
        open(row);
        break;
      case "x": {
        const box = row && row.querySelector("input.wire-pick");
        if (!box) return;
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", {bubbles: true}));
        break;
      }
      case "/": {
        const search = document.querySelector("[data-wire-search]");
        if (!search) return;
        search.focus();
        break;
      }
      case "?":
        if (help && !help.open) help.showModal();
        break;
      default: return;
    }
    event.preventDefault();
  });

  const helpButton = document.querySelector(".wire-help-open");
  if (helpButton && help) helpButton.addEventListener("click", function () { help.showModal(); });

  list.addEventListener("click", function (event) {
    const row = event.target.closest("li.wire-row");
    if (!row || event.target.closest("input")) return;
    const link = event.target.closest("a.wire-headline");
    // a wide screen reads in the pane; a narrow one (or a new tab) follows the link to the page
    if (link && !(pane && wide.matches && row.dataset.pane)) return;
    if (link && (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0)) return;
    if (link) event.preventDefault();
    select(row, Boolean(link));
  });
  list.addEventListener("focusin", function (event) {
    const row = event.target.closest("li.wire-row");
    if (row && row !== selected() && event.target.matches("a.wire-headline")) {
      // Tab into a row selects it too, without loading the pane for every row passed through
      const was = selected();
      if (was) { was.classList.remove("selected"); was.removeAttribute("aria-current"); }
      row.classList.add("selected");
      row.setAttribute("aria-current", "true");
    }
  });

  // ---- download selected ------------------------------------------------------------------------
  const bulk = document.getElementById("wire-bulk");
  function counted() {
    if (!bulk) return;
    const n = list.querySelectorAll("input.wire-pick:checked").length;
    bulk.querySelector(".wire-bulk-count").textContent = bulk.dataset.count.replace("{n}", String(n));
    bulk.querySelector("button[type=submit]").disabled = n === 0;
    bulk.classList.toggle("active", n > 0);
    bulk.querySelector(".wire-bulk-note").textContent = n > Number(bulk.dataset.max) ? bulk.dataset.tooMany : "";
  }
  if (bulk) { list.addEventListener("change", counted); counted(); }

  // ---- live arrivals ----------------------------------------------------------------------------
  if (list.dataset.live !== "on" || !list.dataset.events || !window.EventSource) return;
  let waiting = 0;

  function say(template, headline) {
    announce.textContent = template.replace("{headline}", headline);
  }

  function guidOf(data) {
    if (data.guid) return data.guid;
    const uri = data.uri || "";  // a ninjs item: its uri ends with the guid as one encoded segment
    return uri ? decodeURIComponent(uri.substring(uri.lastIndexOf("/") + 1)) : "";
  }

  function fits(row) {
    const want = list.dataset;
    if (want.language && row.dataset.language !== want.language) return false;
    if (want.urgency && Number(row.dataset.urgency) > Number(want.urgency)) return false;
    if (want.category && row.dataset.categories.split("\n").indexOf(want.category) < 0) return false;
    if (want.dossier && row.dataset.dossier !== want.dossier) return false;
    if (want.status && row.dataset.state !== want.status) return false;
    return true;
  }

  function existing(guid) {
    return list.querySelector('li.wire-row[data-guid="' + CSS.escape(guid) + '"]');
  }

  function offerReload() {
    waiting += 1;
    announce.textContent = "";
    const a = document.createElement("a");
    a.href = window.location.href;
    a.textContent = announce.dataset.reload.replace("{n}", String(waiting));
    announce.appendChild(a);
  }

  function arrived(kind, guid) {
    const address = list.dataset.row.replace("{guid}", encodeURIComponent(guid));
    fetch(address, {credentials: "same-origin"}).then(function (r) {
      if (r.status === 404 || r.status === 410) return null;
      if (!r.ok) throw new Error(String(r.status));
      return r.text();
    }).then(function (html) {
      const old = existing(guid);
      if (html === null) { if (old) old.remove(); return; }  // no longer the reader's to see
      const holder = document.createElement("template");
      holder.innerHTML = html.trim();
      const row = holder.content.firstElementChild;
      if (!row) return;
      if (!fits(row)) { if (old) old.remove(); return; }
      if (list.dataset.filtered && !old) { offerReload(); return; }
      const headline = row.querySelector(".wire-headline").textContent;
      const wasSelected = old && old.classList.contains("selected");
      const box = old && old.querySelector("input.wire-pick");
      if (box && box.checked && row.querySelector("input.wire-pick")) row.querySelector("input.wire-pick").checked = true;
      row.classList.add("fresh");
      if (kind === "kill" && old) {
        old.replaceWith(row);  // a kill stays where the reader saw the story, marked
      } else {
        if (old) old.remove();
        const empty = list.querySelector("li.empty");
        if (empty) empty.remove();
        list.insertBefore(row, list.firstChild);
      }
      if (wasSelected) { row.classList.add("selected"); row.setAttribute("aria-current", "true"); }
      tick(row);
      counted();
      say(kind === "kill" ? announce.dataset.killed : old ? announce.dataset.updated : announce.dataset.new, headline);
      document.dispatchEvent(new CustomEvent("wire:arrival", {detail: {kind: kind, guid: guid}}));
      if (wasSelected && pane && kind !== "kill") showPane(row);
      else if (wasSelected && pane) paneMessage(pane.dataset.gone);
    }).catch(function () { /* the next event or a reload shows it */ });
  }

  const source = new EventSource(list.dataset.events);
  function handler(kind) {
    return function (message) {
      let data;
      try { data = JSON.parse(message.data); } catch (err) { return; }  // a frame we cannot read
      const guid = guidOf(data);
      if (guid) arrived(data.kind && kind === "message" ? data.kind : kind, guid);
    };
  }
  // the portal's stream names its events; the desk's sends plain messages carrying their kind
  ["publish", "update", "correct", "embargo_lift", "kill", "message"].forEach(function (kind) {
    source.addEventListener(kind, handler(kind));
  });
})();

// The desk editor: a rich-text body (Squire, static/vendor/squire) over the form's textarea, its
// toolbar, pastes cleaned by the server's sanitizer (POST /desk/clean), previews of the unsaved form
// (POST /desk/preview), live counts, and a warning before leaving with unsaved changes.
//
// Progressive enhancement: the textarea stays the form field. Without this script the form posts it
// as typed; with it, the editor writes its HTML into the textarea on every change and before submit.
// Every word shown comes from the page (data- attributes the template wrote in the reader's language).
"use strict";
(function () {
  const form = document.querySelector("form[data-story-form]");
  if (!form) return;
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const textarea = form.querySelector("#f-body_html");
  const rich = document.getElementById("body-rich");
  const bar = document.getElementById("format-bar");
  const status = document.getElementById("editor-status");
  const counts = document.getElementById("counts");
  const headline = form.querySelector("#f-headline");
  const bodyHint = document.getElementById("h-body_html");
  const words = form.dataset;
  let dirty = false;
  let editor = null;

  function say(text) {
    // one polite line for what the editor did (a paste cleaned, a preview that failed)
    if (status) status.textContent = text;
  }

  function post(url, fields) {
    const body = new URLSearchParams(fields);
    body.set("csrf_token", csrf);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "Accept": "application/json, text/html" } });
  }

  // ---- the rich-text body ---------------------------------------------------------------------------

  // The body model keeps <strong>/<em>; Squire edits with <b>/<i> (and reads <strong>/<em> as them).
  const SEMANTIC = { B: "strong", I: "em" };

  function bodyHTML() {
    const holder = document.createElement("template");
    holder.innerHTML = editor.getHTML();
    const root = holder.content;
    root.querySelectorAll("b, i").forEach(function (el) {
      const tag = document.createElement(SEMANTIC[el.nodeName]);
      while (el.firstChild) tag.appendChild(el.firstChild);
      el.replaceWith(tag);
    });
    // the <br> that holds a caret at the end of a block is no line break; a block of nothing is no paragraph
    root.querySelectorAll("br").forEach(function (br) {
      if (!br.nextSibling && br.parentNode !== root) br.remove();
    });
    root.querySelectorAll("p, h2, h3, li, blockquote").forEach(function (el) {
      if (!el.textContent.replace(/\u200B/g, "").trim()) el.remove();
    });
    // a space typed at the end of a line is kept by the browser as a no-break space: a plain one again
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.data.indexOf("\u00a0") >= 0) node.data = node.data.replace(/\u00a0/g, " ");
    }
    const out = document.createElement("div");
    out.appendChild(root);
    return out.innerHTML;
  }

  function sync() {
    if (editor && !rich.hidden) textarea.value = bodyHTML();
  }

  function inert(html) {
    // Squire's own paste sanitizer (DOMPurify) is not shipped: what reaches the editor is either the
    // server's clean HTML (a paste, the HTML source) or the page's own body field. Parsed in a
    // <template>, nothing in it loads or runs; the page's CSP refuses inline script and handlers anyway.
    const holder = document.createElement("template");
    holder.innerHTML = html;
    return holder.content;
  }

  if (rich && textarea && window.Squire) {
    editor = new window.Squire(rich, { blockTag: "P", sanitizeToDOMFragment: inert });
    editor.setHTML(textarea.value);
    textarea.hidden = true;
    rich.hidden = false;
    bar.hidden = false;
    if (bodyHint) bodyHint.hidden = true; // it explains the HTML, shown with the source
    editor.addEventListener("input", function () { dirty = true; sync(); countSoon(); });
    editor.addEventListener("pathChange", pressed);
    editor.addEventListener("select", pressed);
    editor.addEventListener("cursor", pressed);
    // Ctrl/Cmd+Alt+2 and 3: sub-headings; Ctrl/Cmd+K: a link (Squire has B, I, lists and quotes)
    ["Alt-Ctrl-", "Alt-Meta-"].forEach(function (mod) {
      editor.setKeyHandler(mod + "2", function (_, event) { event.preventDefault(); heading("H2"); });
      editor.setKeyHandler(mod + "3", function (_, event) { event.preventDefault(); heading("H3"); });
    });
    ["Ctrl-k", "Meta-k"].forEach(function (key) {
      editor.setKeyHandler(key, function (_, event) { event.preventDefault(); link(); });
    });
  }

  function inBlock(tag) {
    return new RegExp("(?:^|>)" + tag + "(?:$|[>.#\\[])").test(editor.getPath());
  }

  function heading(tag) {
    // the selected blocks become `tag`, or paragraphs again when they already are
    const undo = inBlock(tag);
    editor.modifyBlocks(function (frag) {
      frag.querySelectorAll("p, h2, h3, h4, div").forEach(function (block) {
        if (block.closest("li")) return;
        const next = document.createElement(undo ? "P" : tag);
        while (block.firstChild) next.appendChild(block.firstChild);
        block.replaceWith(next);
      });
      return frag;
    });
    editor.focus();
  }

  function link() {
    if (editor.hasFormat("A")) {
      editor.removeLink();
      return;
    }
    const href = window.prompt(words.linkPrompt || "Link address (https://…)", "https://");
    if (!href || href === "https://") return;
    if (!/^(https?:|mailto:)/i.test(href.trim())) {
      say(words.linkRefused || "Links must start with https://, http:// or mailto:.");
      return;
    }
    editor.makeLink(href.trim());
    editor.focus();
  }

  const COMMANDS = {
    bold: function () { editor.hasFormat("B") ? editor.removeBold() : editor.bold(); },
    italic: function () { editor.hasFormat("I") ? editor.removeItalic() : editor.italic(); },
    h2: function () { heading("H2"); },
    h3: function () { heading("H3"); },
    ul: function () { inBlock("UL") ? editor.removeList() : editor.makeUnorderedList(); },
    ol: function () { inBlock("OL") ? editor.removeList() : editor.makeOrderedList(); },
    quote: function () { inBlock("BLOCKQUOTE") ? editor.decreaseQuoteLevel() : editor.increaseQuoteLevel(); },
    link: link,
    undo: function () { editor.undo(); },
    redo: function () { editor.redo(); },
  };
  const STATES = {
    bold: function () { return editor.hasFormat("B"); },
    italic: function () { return editor.hasFormat("I"); },
    h2: function () { return inBlock("H2"); },
    h3: function () { return inBlock("H3"); },
    ul: function () { return inBlock("UL"); },
    ol: function () { return inBlock("OL"); },
    quote: function () { return inBlock("BLOCKQUOTE"); },
    link: function () { return editor.hasFormat("A"); },
  };

  function pressed() {
    bar.querySelectorAll("button[data-command]").forEach(function (button) {
      const state = STATES[button.dataset.command];
      if (state) button.setAttribute("aria-pressed", String(state()));
    });
  }

  function buttons() {
    return Array.from(bar.querySelectorAll("button")).filter(function (b) { return !b.hidden && !b.disabled; });
  }

  if (editor) {
    bar.addEventListener("mousedown", function (event) {
      // a toolbar click must not take the selection away from the text it acts on
      if (event.target.closest("button[data-command]")) event.preventDefault();
    });
    bar.addEventListener("click", function (event) {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.dataset.command) {
        COMMANDS[button.dataset.command]();
        pressed();
      } else if (button.id === "toggle-source") {
        source(button);
      }
    });
    // one Tab stop for the toolbar; arrows, Home and End move inside it (the ARIA toolbar pattern)
    bar.addEventListener("keydown", function (event) {
      const all = buttons();
      const at = all.indexOf(document.activeElement);
      if (at < 0) return;
      let step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      // in a right-to-left page the left arrow moves forward
      if (step && (event.key === "ArrowLeft" || event.key === "ArrowRight") && getComputedStyle(bar).direction === "rtl") step = -step;
      let next = step ? all[(at + step + all.length) % all.length] : null;
      if (event.key === "Home") next = all[0];
      if (event.key === "End") next = all[all.length - 1];
      if (!next) return;
      event.preventDefault();
      all.forEach(function (b) { b.tabIndex = -1; });
      next.tabIndex = 0;
      next.focus();
    });
    buttons().forEach(function (b, i) { b.tabIndex = i === 0 ? 0 : -1; });
    pressed();
  }

  function source(button) {
    // the HTML itself, for what the toolbar does not offer; back in the editor it is cleaned first
    const showing = button.getAttribute("aria-pressed") === "true";
    if (!showing) {
      sync();
      rich.hidden = true;
      textarea.hidden = false;
      if (bodyHint) bodyHint.hidden = false;
      button.setAttribute("aria-pressed", "true");
      bar.querySelectorAll("button[data-command]").forEach(function (b) { b.disabled = true; });
      textarea.focus();
      return;
    }
    clean(textarea.value).then(function (html) {
      if (html === null) return;
      editor.setHTML(html);
      sync();
      textarea.hidden = true;
      rich.hidden = false;
      if (bodyHint) bodyHint.hidden = true;
      button.setAttribute("aria-pressed", "false");
      bar.querySelectorAll("button[data-command]").forEach(function (b) { b.disabled = false; });
      editor.focus();
    });
  }

  // the formatting bar sticks under the actions bar, whose height changes as it wraps
  const actionsBar = form.querySelector(".editor-bar");
  if (actionsBar && window.ResizeObserver) {
    new ResizeObserver(function () {
      form.style.setProperty("--editor-bar-height", actionsBar.offsetHeight + "px");
    }).observe(actionsBar);
  }

  // ---- pastes and drops: through the server's sanitizer -----------------------------------------------

  function clean(html) {
    return post(form.dataset.cleanUrl, { html: html }).then(function (response) {
      if (response.status === 413) {
        say(words.pasteTooLarge || "Too large to paste.");
        return null;
      }
      if (!response.ok) {
        say(words.pasteFailed || "The pasted text could not be cleaned; nothing was inserted.");
        return null;
      }
      return response.json().then(function (data) { return data.html; });
    }, function () {
      say(words.pasteFailed || "The pasted text could not be cleaned; nothing was inserted.");
      return null;
    });
  }

  function insertClean(html, range) {
    clean(html).then(function (cleaned) {
      if (cleaned === null) return;
      editor.focus();
      if (range) editor.setSelection(range);
      editor.insertHTML(cleaned, true);
      say(words.pasteCleaned || "Pasted text cleaned.");
    });
  }

  if (editor) {
    // capture on the editor's parent: this runs before Squire's own handler on the editor, which
    // would insert the HTML as the clipboard has it
    const holder = rich.parentElement;
    holder.addEventListener("paste", function (event) {
      const data = event.clipboardData;
      const html = data && data.getData("text/html");
      if (!html) return; // plain text: Squire inserts it as text
      event.preventDefault();
      event.stopPropagation();
      insertClean(html, editor.getSelection());
    }, true);
    holder.addEventListener("drop", function (event) {
      const data = event.dataTransfer;
      const html = data && data.getData("text/html");
      if (!html) return;
      event.preventDefault();
      event.stopPropagation();
      let range = null;
      if (document.caretRangeFromPoint) range = document.caretRangeFromPoint(event.clientX, event.clientY);
      insertClean(html, range && rich.contains(range.startContainer) ? range : null);
    }, true);
  }

  // ---- counts ---------------------------------------------------------------------------------------

  function wordCount(text) {
    const lang = rich ? rich.lang : "";
    if (window.Intl && Intl.Segmenter) {
      // word boundaries per language: scripts written without spaces are counted too
      let n = 0;
      for (const part of new Intl.Segmenter(lang || undefined, { granularity: "word" }).segment(text)) {
        if (part.isWordLike) n += 1;
      }
      return n;
    }
    return (text.match(/\S+/g) || []).length;
  }

  function count() {
    if (!counts) return;
    const text = editor && !rich.hidden ? rich.innerText : inert(textarea.value).textContent;
    const parts = [(words.wordCount || "{n} words").replace("{n}", wordCount(text))];
    if (headline) {
      const max = Number(headline.dataset.max || 0);
      const n = Array.from(headline.value).length;
      parts.push((words.headlineCount || "Headline: {n} of {max} characters")
        .replace("{n}", n).replace("{max}", max));
      headline.classList.toggle("over", max > 0 && n > max);
    }
    counts.textContent = parts.join(" · ");
  }

  let timer = 0;
  function countSoon() {
    // counted after a pause in typing: a polite live region read after every key would be noise
    clearTimeout(timer);
    timer = setTimeout(count, 400);
  }
  count();
  form.addEventListener("input", countSoon);

  // ---- previews ---------------------------------------------------------------------------------------

  const dialog = document.getElementById("preview-dialog");
  const dialogTitle = document.getElementById("preview-title");
  const dialogBody = document.getElementById("preview-body");

  function formFields() {
    sync();
    const fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "action") fields.append(name, value);
    });
    return fields;
  }

  document.querySelectorAll("button[data-preview]").forEach(function (button) {
    if (!dialog || !dialog.showModal) return;
    button.hidden = false; // the page offers them hidden: without this script they could not work
    button.addEventListener("click", function () {
      const fields = formFields();
      fields.set("view", button.dataset.preview);
      fields.set("guid", form.dataset.guid || "");
      button.disabled = true;
      post(form.dataset.previewUrl, fields).then(function (response) {
        return response.text().then(function (html) {
          if (response.status !== 200 && response.status !== 422) throw new Error(String(response.status));
          const doc = new DOMParser().parseFromString(html, "text/html");
          dialogBody.replaceChildren.apply(dialogBody, Array.from(doc.body.childNodes));
          dialogTitle.textContent = button.textContent.trim();
          dialog.showModal();
        });
      }).catch(function () {
        say(words.previewFailed || "The preview could not be made.");
      }).finally(function () {
        button.disabled = false;
      });
    });
  });
  if (dialog) {
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-close]")) dialog.close();
    });
  }

  // ---- folded sections: a link to something inside one (Kill…, an error in the summary) opens it ----

  function reveal(hash) {
    const target = hash.length > 1 && document.getElementById(decodeURIComponent(hash.slice(1)));
    const fold = target && target.closest("details");
    if (fold) fold.open = true; // (closest() counts the element itself)
  }
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[href^='#']");
    if (link) reveal(link.getAttribute("href")); // before the browser scrolls to it
  });
  window.addEventListener("hashchange", function () { reveal(location.hash); });
  const kind = form.querySelector("#f-kind");
  const media = document.getElementById("media");
  if (kind && media) {
    kind.addEventListener("change", function () {
      if (kind.value !== "text") media.open = true; // a picture, video… item is its file: show where it goes
    });
  }
  reveal(location.hash);

  // ---- leaving with unsaved changes --------------------------------------------------------------------

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  document.addEventListener("submit", function (event) {
    // any form of the page leaving it (save, publish, kill, sign out) is the writer's own choice
    if (event.target === form) sync();
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers show the dialog only when this is set
  });
})();

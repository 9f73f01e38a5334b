// The Ouderstem dashboard (bot/web/dashboard): our own code, no library, no CDN.
// Reads Telegram's launch data from the URL fragment (tgWebAppData, tgWebAppThemeParams), which
// never reaches a server, then drops the fragment from the address. Every API call sends the
// initData in a header; the server checks it and the person's role every time. All words come
// from the server (the staff catalog); every element is built with textContent, except the
// charts, which are SVG the server drew and escaped.
"use strict";

(function () {
  const T = JSON.parse(document.getElementById("texts").textContent);
  const STORE_KEY = "ouderstem.initData";
  const state = { initData: "", roundId: null, schools: [], overview: false };

  function applyTheme(params) {
    // Telegram's theme as CSS variables (--tg-theme-bg-color, ...), colours only.
    for (const [key, value] of Object.entries(params || {})) {
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        document.documentElement.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
      }
    }
  }

  // WCAG 2.1 AA whatever colours Telegram sends: Telegram's own defaults put white on a middle
  // blue (about 4:1), below the 4.5:1 that text needs. Each pair below is checked and, when it
  // falls short, its first colour is moved towards black or white until it passes; the result
  // goes into a "--safe-..." variable that app.css uses. Bars need 3:1 against their track.
  const CONTRAST_PAIRS = [
    // [safe variable, colour to adjust, against, ratio needed]
    ["--safe-button", "--accent", "--accent-text", 4.5],
    ["--safe-link", "--link", "--section", 4.5],
    ["--safe-bar", "--accent", "--bg", 3],
    ["--safe-text", "--text", "--section", 4.5],
  ];

  function rgbOf(value) {
    let hex = (value || "").trim().replace("#", "");
    if (!/^([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.test(hex)) return null;
    if (hex.length === 3) hex = hex.split("").map((c) => c + c).join("");
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  function hexOf(rgb) {
    return "#" + rgb.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  }

  function guardContrast() {
    const root = document.documentElement;
    const css = getComputedStyle(root);
    for (const [safe, name, against, ratio] of CONTRAST_PAIRS) {
      root.style.removeProperty(safe);
      const colour = rgbOf(css.getPropertyValue(name));
      const ground = rgbOf(css.getPropertyValue(against));
      if (!colour || !ground || contrast(colour, ground) >= ratio) continue;
      const target = luminance(ground) > 0.18 ? [0, 0, 0] : [255, 255, 255];
      // a little above the ratio: the colour is rounded to whole channels afterwards
      let moved = colour;
      for (let step = 1; step <= 40 && contrast(moved, ground) < ratio + 0.05; step++) {
        moved = colour.map((v, i) => Math.round(v + (target[i] - v) * step / 40));
      }
      root.style.setProperty(safe, hexOf(moved));
    }
  }

  function receiveEvent(type, data) {
    if (type === "theme_changed" && data) {
      applyTheme(data.theme_params);
      guardContrast();
    }
  }

  // Events from Telegram: the apps call window.Telegram.WebView.receiveEvent, Telegram Web posts
  // a message from its own origin.
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = window.Telegram.WebView || { receiveEvent: receiveEvent };
  window.addEventListener("message", (event) => {
    if (!/^https:\/\/([a-z0-9-]+\.)*telegram\.org$/.test(event.origin)) return;
    try {
      const message = JSON.parse(event.data);
      receiveEvent(message.eventType, message.eventData);
    } catch (e) { /* not Telegram's */ }
  });

  function launchData() {
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const initData = fragment.get("tgWebAppData") || sessionStorage.getItem(STORE_KEY) || "";
    const theme = fragment.get("tgWebAppThemeParams");
    if (theme) {
      try {
        applyTheme(JSON.parse(theme));
      } catch (e) { /* a theme we cannot read: our own colours stay */ }
    }
    guardContrast();
    if (window.location.hash) {
      history.replaceState(null, "", window.location.pathname);
    }
    if (initData) sessionStorage.setItem(STORE_KEY, initData);
    return initData;
  }

  function postEvent(type) {
    // Telegram's bridge: the apps give a proxy object, Telegram Web listens to messages.
    try {
      if (window.TelegramWebviewProxy) {
        window.TelegramWebviewProxy.postEvent(type, "");
      } else if (window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: "" }), "https://web.telegram.org");
      }
    } catch (e) { /* outside Telegram */ }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  async function api(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Authorization": "tma " + state.initData, "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
      credentials: "omit",
      cache: "no-store",
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const error = new Error((data && data.message) || T.failed);
      error.status = response.status;
      error.code = (data && data.error) || "bad";
      throw error;
    }
    return data;
  }

  function status(text, isError) {
    const node = document.getElementById("status");
    node.textContent = text || "";
    node.className = isError ? "error" : "";
    node.setAttribute("role", isError ? "alert" : "status");
  }

  function refused(error) {
    document.getElementById("content").replaceChildren();
    document.getElementById("toc-box").hidden = true;
    document.getElementById("main").setAttribute("aria-busy", "false");
    document.body.dataset.state = "refused-" + (error.code || "bad");
    status(error.message || T.failed, true);
  }

  function chart(block) {
    const figure = el("figure", { class: "chart-block" });
    const holder = el("div", { class: "chart-svg" });
    holder.innerHTML = block.svg;
    figure.append(holder);
    figure.append(el("figcaption", {}, block.label));
    if (block.legend && block.legend.length) {
      const list = el("ul", { class: "legend" });
      for (const item of block.legend) {
        const li = el("li");
        li.append(el("span", { class: "swatch " + item.css, "aria-hidden": "true" }));
        li.append(document.createTextNode(item.text));
        list.append(li);
      }
      figure.append(list);
    }
    return figure;
  }

  function table(block) {
    const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": block.caption });
    const t = el("table");
    t.append(el("caption", {}, block.caption));
    const head = el("tr");
    for (const h of block.head) head.append(el("th", { scope: "col" }, h));
    const thead = el("thead");
    thead.append(head);
    t.append(thead);
    const body = el("tbody");
    for (const row of block.rows) {
      const tr = el("tr");
      row.forEach((cell, i) => {
        const td = el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : { class: "num" }, cell);
        if (cell === "–") td.classList.add("hidden-mark");
        tr.append(td);
      });
      body.append(tr);
    }
    t.append(body);
    wrap.append(t);
    return wrap;
  }

  function downloads(block) {
    const row = el("div", { class: "downloads" });
    for (const f of block.formats) {
      const button = el("button", { type: "button", "data-format": f.format, "aria-label": f.name }, f.label);
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const sent = await api("api/send", { round_id: state.roundId, format: f.format });
          status(sent.message || T.sent, false);
        } catch (error) {
          if (error.status === 401 || error.status === 403) refused(error);
          else status(error.message, true);
        } finally {
          button.disabled = false;
        }
      });
      row.append(button);
    }
    return row;
  }

  function block(b) {
    if (b.kind === "chart") return chart(b);
    if (b.kind === "table") return table(b);
    if (b.kind === "downloads") return downloads(b);
    if (b.kind === "list") {
      const list = el("ul", { class: "lines" });
      for (const item of b.items) list.append(el("li", { dir: "auto" }, item));
      return list;
    }
    return el("p", { dir: "auto" }, b.text);
  }

  function render(page) {
    document.getElementById("subtitle").textContent = page.subtitle || "";
    const content = document.getElementById("content");
    const toc = document.getElementById("toc");
    const links = el("ul");
    const parts = [];
    for (const section of page.sections) {
      const node = el("section", { id: "s-" + section.id, "aria-labelledby": "h-" + section.id });
      node.append(el("h2", { id: "h-" + section.id }, section.title));
      for (const b of section.blocks) node.append(block(b));
      parts.push(node);
      const li = el("li");
      li.append(el("a", { href: "#s-" + section.id }, section.title));
      links.append(li);
    }
    parts.push(el("p", { class: "legend-note" }, page.legend));
    content.replaceChildren(...parts);
    toc.setAttribute("aria-label", T.skip);
    toc.replaceChildren(links);
    document.getElementById("toc-label").textContent = T.skip;
    document.getElementById("toc-box").hidden = false;
    document.getElementById("main").setAttribute("aria-busy", "false");
    document.body.dataset.state = "shown";
    status("", false);
  }

  async function load(kind, roundId) {
    document.getElementById("main").setAttribute("aria-busy", "true");
    document.body.dataset.state = "loading";
    status(T.loading, false);
    try {
      const data = kind === "overview"
        ? await api("api/overview", {})
        : await api("api/report", { round_id: roundId });
      state.roundId = kind === "overview" ? null : roundId;
      render(data.page);
    } catch (error) {
      refused(error);
    }
  }

  function fillRounds() {
    const schoolSelect = document.getElementById("school");
    const roundSelect = document.getElementById("round");
    roundSelect.replaceChildren();
    const overview = schoolSelect.value === "overview";
    // the overview has no round: its empty picker is hidden, not left as an empty box
    roundSelect.hidden = overview;
    document.getElementById("round-label").hidden = overview;
    if (overview) {
      load("overview");
      return;
    }
    const school = state.schools.find((s) => String(s.id) === schoolSelect.value);
    if (!school || !school.rounds.length) {
      document.getElementById("content").replaceChildren();
      status(T.no_rounds, false);
      return;
    }
    for (const r of school.rounds) roundSelect.append(el("option", { value: String(r.id) }, r.label));
    // The latest parents' round first: the dashboard is the parents' voice; others are a tap away.
    const first = school.rounds.find((r) => r.audience === "parents") || school.rounds[0];
    roundSelect.value = String(first.id);
    load("report", first.id);
  }

  async function start() {
    document.getElementById("school-label").textContent = T.school;
    document.getElementById("round-label").textContent = T.round;
    state.initData = launchData();
    postEvent("web_app_ready");
    postEvent("web_app_expand");
    postEvent("web_app_request_theme");
    if (!state.initData) {
      refused({ code: "auth", message: T.not_from_telegram });
      return;
    }
    status(T.loading, false);
    let session;
    try {
      session = await api("api/session", {});
    } catch (error) {
      refused(error);
      return;
    }
    state.schools = session.schools;
    state.overview = session.overview;
    const schoolSelect = document.getElementById("school");
    for (const s of session.schools) schoolSelect.append(el("option", { value: String(s.id) }, s.name));
    if (session.overview) schoolSelect.append(el("option", { value: "overview" }, T.overview));
    document.getElementById("pick").hidden = false;
    schoolSelect.addEventListener("change", fillRounds);
    document.getElementById("round").addEventListener("change", (event) => {
      load("report", Number(event.target.value));
    });
    fillRounds();
  }

  document.addEventListener("DOMContentLoaded", start);
})();

// migrasim serve: the what-if page's script. Hand-written, no libraries, nothing fetched from
// the internet. It builds the levers from GET /api/scenario, asks POST /api/evaluate for the
// baseline and for each what-if (same seed: common random numbers), and draws the burn-up.
"use strict";

(function () {
  const app = document.getElementById("app");
  const token = app.dataset.token;
  const lang = app.dataset.lang;
  const labels = JSON.parse(app.dataset.labels);
  const state = { scenario: null, baseline: null, answer: null, seq: 0, inputs: [] };
  window.migrasim = state; // for tests and the curious: the last answer and what was sent

  function api(path, body) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers["X-Migrasim-Token"] = token;
    const options = body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) };
    return fetch(path, options);
  }

  function fillIn(message, values) {
    return message.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- levers -------------------------------------------------------------------------------

  function buildLevers(levers) {
    const root = document.getElementById("lever-groups");
    const groups = new Map();
    for (const lever of levers) {
      if (!groups.has(lever.group)) groups.set(lever.group, []);
      groups.get(lever.group).push(lever);
    }
    for (const [group, items] of groups) {
      const box = el("fieldset", { "data-group": group });
      const title = group === "dates" || group === "volumes" ? labels[group] : fillIn(labels.link, { name: group });
      box.appendChild(el("legend", {}, title));
      if (group === "volumes") {
        const all = el("input", { type: "number", step: "0.05", min: "0.05", value: "1", id: "volume-all" });
        const label = el("label", { class: "wide" }, labels.all_volumes + " ");
        label.appendChild(all);
        box.appendChild(label);
        all.addEventListener("change", changed);
      }
      for (const lever of items) {
        const isVolume = lever.volume_bytes !== undefined;
        const input = el("input", {
          type: isVolume ? "number" : "text",
          "data-key": lever.key,
          placeholder: lever.value === "" ? labels.unset : "",
        });
        if (isVolume) {
          input.step = "0.05";
          input.min = "0.05";
          input.value = "1";
          input.title = lever.value;
        } else {
          input.value = lever.value;
        }
        const caption = isVolume ? lever.field + " ×" : labels[lever.field] || lever.field;
        const label = el("label", {}, caption + " ");
        label.appendChild(input);
        box.appendChild(label);
        input.addEventListener("change", changed);
        state.inputs.push({ lever, input });
      }
      root.appendChild(box);
    }
  }

  function scaledVolume(lever, factor) {
    // As levers.scaled_volume does on the server: whole bytes, distribution and group kept.
    const [low, likely, high] = lever.volume_bytes.map((v) => Math.round(v * factor) + " B");
    const extra = lever.volume_extra || {};
    if (low === likely && likely === high && Object.keys(extra).length === 0) return likely;
    return JSON.stringify(Object.assign({ low, likely, high }, extra));
  }

  function changes() {
    const set = {};
    const all = parseFloat(document.getElementById("volume-all")?.value || "1") || 1;
    for (const { lever, input } of state.inputs) {
      if (lever.volume_bytes !== undefined) {
        const factor = (parseFloat(input.value) || 1) * all;
        if (Math.abs(factor - 1) > 1e-9) set[lever.key] = scaledVolume(lever, factor);
      } else if (input.value.trim() !== "" && input.value.trim() !== lever.value) {
        set[lever.key] = input.value.trim();
      }
    }
    return set;
  }

  function request(set) {
    const body = { set, lang };
    const n = parseInt(document.getElementById("replications").value, 10);
    const seed = parseInt(document.getElementById("seed").value, 10);
    if (Number.isFinite(n)) body.replications = n;
    if (Number.isFinite(seed)) body.seed = seed;
    return body;
  }

  // --- answers ------------------------------------------------------------------------------

  function showCard(id, answer) {
    const card = document.getElementById(id);
    const d = answer.display;
    const put = (field, text) => { card.querySelector(`[data-field="${field}"]`).textContent = text; };
    put("verdict", d.programme.verdict);
    card.querySelector('[data-field="verdict"]').className = "verdict " + (d.programme.status || "");
    put("p80", d.programme.p80);
    put("p80_interval", d.programme.p80_interval);
    put("chance", d.programme.chance);
    put("go_live", d.go_live || "");
    put("counts", d.counts || "");
    put("changes", d.changes || "");
    const list = card.querySelector('[data-field="top"]');
    list.replaceChildren(...d.top.map((r) => el("li", {}, `${r.name}: ${r.p80} (${r.chance})`)));
  }

  function showTable(base, what) {
    const body = document.querySelector("#flows tbody");
    const rows = what.display.flows.map((r, i) => {
      const b = base.display.flows[i];
      const tr = el("tr", { class: r.status || "" });
      for (const text of [r.name, b.p80, r.p80, r.p80_interval, b.chance, r.chance, r.bottleneck]) {
        tr.appendChild(el("td", {}, text));
      }
      return tr;
    });
    body.replaceChildren(...rows);
  }

  function drawBurnup(base, what) {
    const canvas = document.getElementById("burnup");
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 40;
    ctx.clearRect(0, 0, w, h);
    const bands = [[base.band, "rgba(120,120,120,0.25)", "#666"], [what.band, "rgba(31,95,191,0.25)", "#1f5fbf"]]
      .filter(([b]) => b && b.days.length);
    if (!bands.length) return;
    const time = (s) => Date.parse(s + "T00:00:00Z");
    // The band runs to the horizon; show it until every band's P10 is complete (plus a little).
    const last = (b) => {
      let i = b.p10.length - 1;
      while (i > 0 && b.p10[i - 1] >= 1) i--;
      return time(b.days[Math.min(i + 1, b.days.length - 1)]);
    };
    const ends = bands.map(([b]) => last(b));
    const t0 = Math.min(...bands.map(([b]) => time(b.days[0])));
    const t1 = Math.max(...ends, t0 + 86400000) + 0.03 * (Math.max(...ends) - t0);
    const x = (t) => pad + ((t - t0) / (t1 - t0)) * (w - 2 * pad);
    const y = (f) => h - pad - f * (h - 2 * pad);
    ctx.strokeStyle = "#999";
    ctx.strokeRect(pad, pad, w - 2 * pad, h - 2 * pad);
    ctx.fillStyle = "#333";
    ctx.font = "12px sans-serif";
    ctx.fillText("100%", 4, y(1) + 4);
    ctx.fillText("0%", 12, y(0) + 4);
    for (let k = 0; k <= 4; k++) {
      const t = t0 + (k / 4) * (t1 - t0);
      ctx.fillText(new Date(t).toISOString().slice(0, 10), x(t) - (k ? 35 : 0) - (k === 4 ? 35 : 0), h - 12);
    }
    const goLive = what.go_live ? time(what.go_live) : null;
    if (goLive !== null && goLive >= t0 && goLive <= t1) {
      ctx.strokeStyle = "#b00";
      ctx.beginPath(); ctx.moveTo(x(goLive), pad); ctx.lineTo(x(goLive), h - pad); ctx.stroke();
    }
    for (const [band, fill, line] of bands) {
      const ts = band.days.map(time);
      ctx.fillStyle = fill;
      ctx.beginPath();
      const keep = ts.map((t, i) => i).filter((i) => ts[i] <= t1);
      keep.forEach((i, k) => (k ? ctx.lineTo(x(ts[i]), y(band.p90[i])) : ctx.moveTo(x(ts[i]), y(band.p90[i]))));
      for (let k = keep.length - 1; k >= 0; k--) ctx.lineTo(x(ts[keep[k]]), y(band.p10[keep[k]]));
      ctx.closePath(); ctx.fill();
      ctx.strokeStyle = line; ctx.lineWidth = 2;
      ctx.beginPath();
      keep.forEach((i, k) => (k ? ctx.lineTo(x(ts[i]), y(band.p50[i])) : ctx.moveTo(x(ts[i]), y(band.p50[i]))));
      ctx.stroke(); ctx.lineWidth = 1;
    }
  }

  function showError(message) {
    const box = document.getElementById("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function evaluate(set) {
    const response = await api("/api/evaluate", request(set));
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  async function changed() {
    const seq = ++state.seq;
    const status = document.getElementById("status");
    status.textContent = labels.working;
    status.dataset.ms = "";
    const started = performance.now();
    try {
      const set = changes();
      const base = await evaluate({});
      const what = Object.keys(set).length ? await evaluate(set) : base;
      if (seq !== state.seq) return; // a later change is on its way
      const ms = Math.round(performance.now() - started);
      state.baseline = base;
      state.answer = what;
      showError("");
      showCard("baseline", base);
      showCard("whatif", what);
      showTable(base, what);
      drawBurnup(base, what);
      status.textContent = fillIn(labels.answered, { ms });
      status.dataset.ms = String(ms);
      status.dataset.seq = String(seq);
    } catch (error) {
      if (seq !== state.seq) return;
      showError(error.message);
      status.textContent = "";
      status.dataset.ms = "error";
      status.dataset.seq = String(seq);
    }
  }

  // --- keeping what was found ---------------------------------------------------------------

  async function post(path, body) {
    const response = await api(path, body);
    if (!response.ok) {
      const data = await response.json();
      throw new Error(data.error || response.statusText);
    }
    return response;
  }

  function notice(nodes) {
    document.getElementById("notice").replaceChildren(...nodes);
  }

  async function guarded(action) {
    try { await action(); } catch (error) { showError(error.message); }
  }

  function wireActions() {
    document.getElementById("reset").addEventListener("click", () => {
      for (const { lever, input } of state.inputs) input.value = lever.volume_bytes !== undefined ? "1" : lever.value;
      const all = document.getElementById("volume-all");
      if (all) all.value = "1";
      changed();
    });
    document.getElementById("save").addEventListener("click", () => guarded(async () => {
      const name = document.getElementById("variant-name").value.trim();
      const data = await (await post("/api/variant", { set: changes(), name: name || null })).json();
      notice([document.createTextNode(fillIn(labels.saved, { file: data.file }))]);
    }));
    document.getElementById("download").addEventListener("click", () => guarded(async () => {
      const response = await post("/api/variant", { set: changes(), download: true });
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: state.scenario.path.split("/").pop().replace(/\.ya?ml$/, "") + ".variant.yaml" });
      document.body.appendChild(link); link.click(); link.remove();
    }));
    document.getElementById("pack").addEventListener("click", () => guarded(async () => {
      notice([document.createTextNode(labels.working)]);
      const data = await (await post("/api/boardpack", request(changes()))).json();
      const nodes = [document.createTextNode(labels.pack_ready + " ")];
      for (const [name, url] of Object.entries(data.files)) {
        nodes.push(el("a", { href: url, download: name }, name), document.createTextNode(" "));
      }
      notice(nodes);
    }));
    for (const id of ["replications", "seed"]) document.getElementById(id).addEventListener("change", changed);
  }

  async function start() {
    const response = await api("/api/scenario");
    state.scenario = await response.json();
    buildLevers(state.scenario.levers);
    if (state.scenario.replications) document.getElementById("replications").value = state.scenario.replications;
    document.getElementById("seed").value = state.scenario.seed;
    wireActions();
    await changed();
  }

  start();
})();

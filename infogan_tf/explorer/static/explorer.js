// The explorer page: controls for the model's codes, a grid that follows them, a traversal and
// "encode". No framework, no build step, nothing fetched but this page's own API.
"use strict";

const state = { model: null, seed: 1, categorical: [], continuous: [] };
const $ = (id) => document.getElementById(id);

// A request in flight is never queued behind: while one runs, only the newest wanted request
// waits, and every older one is dropped (superseded), so a dragged slider costs one request
// at a time and the page always ends on the latest value.
function latestOnly(send) {
  let inFlight = false;
  let pending = null;
  async function pump() {
    while (pending) {
      const args = pending;
      pending = null;
      inFlight = true;
      try { await send(args); } finally { inFlight = false; }
    }
  }
  return (args) => { pending = args; if (!inFlight) pump(); };
}

async function api(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new Error("the explorer is not answering (was it stopped?)");
  }
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new Error(`the explorer answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

const postJSON = (path, body) => api(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function setStatus(text, isError) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", !!isError);
}

function img(src, alt) {
  const el = document.createElement("img");
  el.src = src;
  el.alt = alt;
  return el;
}

function bump(el) { el.dataset.version = String(Number(el.dataset.version || 0) + 1); }

function categoryName(code, k) {
  const names = state.model.category_names[code];
  return names ? names[k] : String(k);
}

// ---- the grid ------------------------------------------------------------------------------

const requestGrid = latestOnly(async (body) => {
  try {
    const out = await postJSON("/api/grid", body);
    const grid = $("grid");
    grid.replaceChildren(...out.images.map((src, i) => img(src, `sample ${i}`)));
    bump(grid);
    $("grid-time").textContent = `${out.ms} ms`;
    setStatus("");
  } catch (e) {
    setStatus(e.message, true);
  }
});

function refreshGrid() {
  $("seed-label").textContent = `noise seed ${state.seed}`;
  requestGrid({ seed: state.seed, count: 16, categorical: state.categorical.slice(),
                continuous: state.continuous.slice() });
}

function buildControls(model) {
  const cats = $("categorical");
  model.categorical.forEach((k, code) => {
    const box = document.createElement("div");
    box.className = "code";
    box.innerHTML = `<span class="code-name">categorical code ${code} (${k})</span>`;
    const buttons = document.createElement("div");
    buttons.className = "cats";
    buttons.id = `cat${code}`;
    for (let c = 0; c < k; c++) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = categoryName(code, c);
      b.dataset.value = String(c);
      b.setAttribute("aria-pressed", c === 0 ? "true" : "false");
      b.addEventListener("click", () => {
        state.categorical[code] = c;
        for (const other of buttons.children) {
          other.setAttribute("aria-pressed", other === b ? "true" : "false");
        }
        refreshGrid();
      });
      buttons.appendChild(b);
    }
    box.appendChild(buttons);
    cats.appendChild(box);
    state.categorical.push(0);
  });
  const conts = $("continuous");
  const r = model.slider_range;
  for (let j = 0; j < model.continuous; j++) {
    const box = document.createElement("div");
    box.className = "code";
    box.innerHTML = `<label class="code-name" for="cont${j}">continuous code ${j}</label>`;
    const slider = document.createElement("input");
    Object.assign(slider, { type: "range", min: -r, max: r, step: 0.05, value: 0, id: `cont${j}` });
    const value = document.createElement("span");
    value.className = "value";
    value.id = `cont${j}-value`;
    value.textContent = "0.00";
    slider.addEventListener("input", () => {
      state.continuous[j] = Number(slider.value);
      value.textContent = Number(slider.value).toFixed(2);
      refreshGrid();
    });
    box.append(slider, value);
    conts.appendChild(box);
    state.continuous.push(0);
  }
  $("new-noise").addEventListener("click", () => {
    state.seed = 1 + Math.floor(Math.random() * 2147483646);
    refreshGrid();
    refreshTraversal();
  });
}

// ---- the traversal -------------------------------------------------------------------------

const requestTraversal = latestOnly(async (body) => {
  const table = $("traversal");
  try {
    const out = await postJSON("/api/traversal", body);
    const head = document.createElement("tr");
    head.appendChild(document.createElement("th"));
    for (const v of out.values) {
      const th = document.createElement("th");
      th.textContent = v.toFixed(1);
      head.appendChild(th);
    }
    const rows = out.rows.map((images, r) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = out.row_names[r];
      tr.appendChild(th);
      images.forEach((src, i) => {
        const td = document.createElement("td");
        td.appendChild(img(src, `${out.row_names[r]}, ${out.values[i].toFixed(1)}`));
        tr.appendChild(td);
      });
      return tr;
    });
    table.replaceChildren(head, ...rows);
    bump(table);
    $("traversal-error").textContent = "";
  } catch (e) {
    $("traversal-error").textContent = e.message;
  }
});

function refreshTraversal() {
  const m = state.model;
  if (!m.categorical.length || !m.continuous) return;
  requestTraversal({ cat: Number($("traversal-cat").value), cont: Number($("traversal-cont").value),
                     steps: 7, seed: state.seed });
}

function buildTraversal(model) {
  if (!model.categorical.length || !model.continuous) {
    $("traversal-error").textContent =
      "a traversal needs a categorical and a continuous code; this model lacks one";
    return;
  }
  const fill = (select, n, label) => {
    for (let i = 0; i < n; i++) select.add(new Option(`${label}${i}`, String(i)));
    select.addEventListener("change", refreshTraversal);
  };
  fill($("traversal-cat"), model.categorical.length, "cat");
  fill($("traversal-cont"), model.continuous, "cont");
}

// ---- encode --------------------------------------------------------------------------------

function showCodes(out) {
  const box = $("encode-codes");
  box.replaceChildren();
  out.categorical.forEach((c, code) => {
    const title = document.createElement("div");
    title.className = "code-name";
    title.textContent = `categorical code ${code}: ${c.names[c.argmax]}` +
      (c.class !== undefined ? ` (class ${c.class})` : "");
    box.appendChild(title);
    c.probs.forEach((p, k) => {
      const bar = document.createElement("div");
      bar.className = "bar" + (k === c.argmax ? " top" : "");
      bar.innerHTML = `<span class="label"></span><span class="fill"></span><span class="p"></span>`;
      bar.children[0].textContent = c.names[k];
      bar.children[1].style.width = `${Math.round(p * 120)}px`;
      bar.children[2].textContent = p.toFixed(3);
      box.appendChild(bar);
    });
  });
  if (out.continuous.length) {
    const cont = document.createElement("div");
    cont.className = "code-name";
    cont.id = "encode-continuous";
    cont.textContent = "continuous means: " + out.continuous.map((v) => v.toFixed(2)).join(", ");
    box.appendChild(cont);
  }
}

async function encodeFile(file) {
  const m = state.model;
  const error = $("encode-error");
  const result = $("encode-result");
  error.textContent = "";
  if (!file) return;
  if (file.size > m.max_upload_bytes) {
    error.textContent = `${file.name} is ${file.size} bytes, over the limit of ` +
      `${m.max_upload_bytes} bytes: pick a ${m.image_shape[0]}x${m.image_shape[1]} image`;
    hideResults();
    return;
  }
  try {
    const out = await api(`/api/encode?seed=${state.seed}`, {
      method: "POST", headers: { "Content-Type": file.type || "application/octet-stream" },
      body: file });
    $("encode-input").src = out.input;  // the pixels Q saw, as decoded from the file
    $("encode-generated").src = out.generated;
    showCodes(out);
    result.hidden = false;
    bump(result);
    showEdit(out.edit);
  } catch (e) {
    error.textContent = `${file.name}: ${e.message}`;
    hideResults();
  }
}

// A refused upload shows only its error: nothing of the previous image (its codes, its edit
// panel) stays beside it.
function hideResults() {
  $("encode-result").hidden = true;
  $("edit").hidden = true;
  state.edit = null;
}

// ---- edit: the uploaded image's own noise and codes (its inversion), one code changed ----------

const requestEdit = latestOnly(async (body) => {
  try {
    const out = await postJSON("/api/edit", body);
    $("edit-image").src = out.image;
    bump($("edit"));
    setStatus("");
  } catch (e) {
    setStatus(e.message, true);
  }
});

function refreshEdit() {
  const e = state.edit;
  requestEdit({ noise: e.noise, categorical: e.categorical.slice(),
                continuous: e.continuous.slice() });
}

function showEdit(found) {
  const box = $("edit");
  if (!found) { box.hidden = true; return; }  // an export from before inversion
  state.edit = { noise: found.noise, categorical: found.categorical.slice(),
                 continuous: found.continuous.slice() };
  $("edit-found").src = found.image;
  $("edit-image").src = found.image;
  $("edit-found-caption").textContent = `G(z*, c*), error ${found.error.toFixed(4)}`;
  const controls = $("edit-controls");
  controls.replaceChildren();
  state.model.categorical.forEach((k, code) => {
    const buttons = document.createElement("div");
    buttons.className = "cats";
    buttons.id = `edit-cat${code}`;
    for (let c = 0; c < k; c++) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = categoryName(code, c);
      b.dataset.value = String(c);
      b.setAttribute("aria-pressed", c === state.edit.categorical[code] ? "true" : "false");
      b.addEventListener("click", () => {
        state.edit.categorical[code] = c;
        for (const other of buttons.children) {
          other.setAttribute("aria-pressed", other === b ? "true" : "false");
        }
        refreshEdit();
      });
      buttons.appendChild(b);
    }
    controls.appendChild(buttons);
  });
  const r = state.model.slider_range;
  state.edit.continuous.forEach((value, j) => {
    const label = document.createElement("label");
    label.className = "code-name";
    label.htmlFor = `edit-cont${j}`;
    label.textContent = `continuous code ${j}`;
    const slider = document.createElement("input");
    slider.type = "range";
    slider.id = `edit-cont${j}`;
    slider.min = String(-r);
    slider.max = String(r);
    slider.step = "0.05";
    slider.value = String(value);
    slider.addEventListener("input", () => {
      state.edit.continuous[j] = Number(slider.value);
      refreshEdit();
    });
    controls.append(label, slider);
  });
  box.hidden = false;
  bump(box);
}

function buildEncode(model) {
  const [h, w, c] = model.image_shape;
  $("size-hint").textContent = `${h}x${w} pixels, ${c === 1 ? "grey" : "colour"}; PNG, JPEG, ` +
    "GIF or BMP";
  $("file").addEventListener("change", (e) => encodeFile(e.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    encodeFile(e.dataTransfer.files[0]);
  });
}

async function main() {
  try {
    state.model = await api("/api/info");
  } catch (e) {
    setStatus(`cannot load the model: ${e.message}`, true);
    return;
  }
  const m = state.model;
  $("source").textContent = `${m.source} · ${m.image_shape.join("x")} images · ` +
    `Cat(${m.categorical.join(", ") || "none"}) + ${m.continuous} continuous + ` +
    `${m.noise_dim} noise`;
  buildControls(m);
  buildTraversal(m);
  buildEncode(m);
  refreshGrid();
  refreshTraversal();
}

main();

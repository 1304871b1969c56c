// The dialogue admin page: log in, create a dialogue, moderate the queue, export, summary.
// Writes send the session's CSRF token in X-CSRF-Token; residents' text is shown as text.
(function () {
  "use strict";
  const root = document.getElementById("admin-app");
  const lang = root.dataset.lang;
  const T = JSON.parse(document.getElementById("admin-texts").textContent);
  const $ = (sel) => document.querySelector(sel);
  let csrf = null;

  function status(el, text, ok) {
    el.textContent = text;
    el.className = ok ? "status-ok" : "status-error";
  }

  function detail(body) {
    if (!body || !body.detail) return "";
    if (typeof body.detail === "string") return body.detail;
    return body.detail.map((e) => e.msg).join("; ");
  }

  async function api(method, url, body) {
    const headers = { "Content-Type": "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const r = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const data = r.status === 204 ? null : await r.json().catch(() => null);
    return { ok: r.ok, status: r.status, data };
  }

  function show(loggedIn) {
    $("#login-section").hidden = loggedIn;
    $("#admin-work").hidden = !loggedIn;
    if (loggedIn) loadDialogues();
  }

  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await api("POST", "/api/admin/login", {
      username: $("#username").value,
      password: $("#password").value,
    });
    if (!r.ok) return status($("#login-status"), T.login_failed, false);
    csrf = r.data.csrf;
    show(true);
  });

  $("#logout").addEventListener("click", async () => {
    await api("POST", "/api/admin/logout");
    csrf = null;
    show(false);
  });

  $("#d-area").value = root.dataset.area;
  $("#create-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    let area;
    try {
      area = JSON.parse($("#d-area").value);
    } catch (err) {
      return status($("#create-status"), String(err), false);
    }
    const r = await api("POST", "/api/dialogues", {
      title: $("#d-title").value,
      description: $("#d-description").value,
      area,
    });
    if (!r.ok) return status($("#create-status"), detail(r.data) || String(r.status), false);
    status($("#create-status"), T.created, true);
    await loadDialogues(r.data.id);
  });

  async function loadDialogues(select) {
    const r = await api("GET", "/api/dialogues");
    const sel = $("#dialogue-select");
    sel.replaceChildren();
    r.data.forEach((d) => {
      const o = document.createElement("option");
      o.value = d.id;
      o.textContent = d.title;
      sel.append(o);
    });
    if (select) sel.value = String(select);
    await loadQueue();
  }

  function current() {
    return $("#dialogue-select").value;
  }

  async function loadQueue() {
    const id = current();
    const list = $("#queue");
    list.replaceChildren();
    if (!id) return;
    $("#export-csv").href = `/api/admin/dialogues/${id}/export.csv`;
    $("#export-gpkg").href = `/api/admin/dialogues/${id}/export.gpkg`;
    const r = await api("GET", `/api/admin/dialogues/${id}/queue`);
    if (!r.ok) return;
    if (!r.data.length) {
      const li = document.createElement("li");
      li.textContent = T.empty_queue;
      list.append(li);
    }
    r.data.forEach((f) => {
      const p = f.properties;
      const li = document.createElement("li");
      li.dataset.id = p.id;
      const head = document.createElement("strong");
      head.textContent = `${p.category} (${p.kind}) `;
      const text = document.createElement("p");
      text.className = "comment-text";
      text.textContent = p.comment;
      li.append(head, text);
      for (const [label, value] of [[T.publish, "published"], [T.reject, "rejected"]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = label;
        b.className = `moderate-${value}`;
        b.addEventListener("click", async () => {
          const m = await api("POST", `/api/admin/contributions/${p.id}/moderate`, { status: value });
          if (m.ok) li.remove();
        });
        li.append(b);
      }
      list.append(li);
    });
  }
  $("#dialogue-select").addEventListener("change", loadQueue);

  function table(rows, columns) {
    const t = document.createElement("table");
    t.className = "summary";
    const head = t.createTHead().insertRow();
    columns.forEach(([, label]) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = label;
      head.append(th);
    });
    const body = t.createTBody();
    rows.forEach((r) => {
      const tr = body.insertRow();
      columns.forEach(([key]) => {
        const td = tr.insertCell();
        let v = r[key];
        if (typeof v === "number" && !Number.isInteger(v)) v = (100 * v).toFixed(1) + " %";
        if (key === "under") {
          v = r.under ? T.under : "";
          if (r.under) td.className = "under";
        }
        td.textContent = v === null || v === undefined ? "–" : String(v);
      });
    });
    return t;
  }

  $("#load-summary").addEventListener("click", async () => {
    const id = current();
    if (!id) return;
    const r = await api("GET", `/api/admin/dialogues/${id}/summary?lang=${lang}`);
    const box = $("#summary");
    box.replaceChildren();
    if (!r.ok) return;
    const s = r.data;
    const notes = document.createElement("ul");
    s.notes.forEach((n) => {
      const li = document.createElement("li");
      li.textContent = n;
      notes.append(li);
    });
    const groups = [["label", T.group], ["participants", T.participants], ["share", T.share],
      ["population_share", T.population_share], ["under", T.under]];
    box.append(
      notes,
      table(s.per_aspect, [[lang, T.aspect], ["contributions", T.contributions]]),
      table(s.by_age, groups),
      table(s.by_home_area, groups),
    );
  });

  api("GET", "/api/admin/session").then((r) => {
    csrf = r.data && r.data.csrf;
    show(Boolean(r.data && r.data.admin));
  });
})();

// The web modeler (processes/modeler.html): .bpmn files in the bpmn-js Modeler with a panel of the platform's
// properties (form key, lane role, multi-instance collection and item, timer, condition); .dmn files in the
// dmn-js decision-table editor (dmn-modeler.js; as text only when dmn-js cannot open the file); form .json
// files as text, checked before saving. Save keeps the changed files as a draft; validate marks each problem
// on its element. Every string comes from the page's JSON block (#modeler-data), rendered through _().
(function () {
  "use strict";
  var source = document.getElementById("modeler-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent), t = data.text;
  var SPIFF = {
    name: "SpiffWorkflow", prefix: "spiffworkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    xml: {tagAlias: "lowerCase"}, associations: [],
    types: [
      {name: "Properties", superClass: ["Element"], properties: [{name: "properties", type: "Property", isMany: true}]},
      {name: "Property", superClass: ["Element"], properties: [{name: "name", type: "String", isAttr: true}, {name: "value", type: "String", isAttr: true}]}
    ].concat(["CalledDecisionId", "VariableName", "PreScript", "PostScript"].map(function (n) {
      return {name: n, superClass: ["Element"], properties: [{name: "value", type: "String", isBody: true}]};
    }))
  };
  var files = data.files, changed = {}, current = null, problems = [], draftId = data.draft_id;
  data.changed.forEach(function (n) { changed[n] = true; });
  var refs = {};  // file -> element id -> {input, output}: loop data refs name task data, which bpmn-js cannot resolve
  var canvasBox = document.getElementById("modeler-canvas"), textBox = document.getElementById("modeler-text");
  var panel = document.getElementById("modeler-panel"), status = document.getElementById("modeler-status");
  var list = document.getElementById("modeler-problems");
  var modeler = new BpmnJS({container: canvasBox, moddleExtensions: {spiffworkflow: SPIFF}});
  var dmnBox = document.getElementById("modeler-dmn"), dmnWrap = document.getElementById("modeler-dmn-wrap");
  var dmnEditor = new window.ZlwDmn(dmnBox, document.getElementById("modeler-dmn-problems"), t, function () {
    if (current) { changed[current] = true; say(t.unsaved); }
  });
  var asText = {};  // .dmn files dmn-js could not open: edited as text instead
  function inDmn(name) { return !!name && name.endsWith(".dmn") && !asText[name]; }

  function say(text, kind) { status.textContent = text; status.className = "small text-" + (kind || "muted"); }
  function loopRefs(xml) {
    var out = {}, doc = new DOMParser().parseFromString(xml, "application/xml");
    Array.prototype.forEach.call(doc.getElementsByTagNameNS("*", "multiInstanceLoopCharacteristics"), function (mi) {
      var pick = function (tag) { var e = mi.getElementsByTagNameNS("*", tag)[0]; return e ? e.textContent.trim() : ""; };
      out[mi.parentNode.getAttribute("id")] = {input: pick("loopDataInputRef"), output: pick("loopDataOutputRef")};
    });
    return out;
  }
  function withLoopRefs(xml, own) {
    var doc = new DOMParser().parseFromString(xml, "application/xml"), ns = "http://www.omg.org/spec/BPMN/20100524/MODEL";
    Array.prototype.forEach.call(doc.getElementsByTagNameNS(ns, "multiInstanceLoopCharacteristics"), function (mi) {
      var r = own[mi.parentNode.getAttribute("id")];
      if (!r) { return; }
      var prefix = mi.prefix ? mi.prefix + ":" : "", anchor = mi.getElementsByTagNameNS(ns, "inputDataItem")[0] || null;
      [["loopDataInputRef", r.input], ["loopDataOutputRef", r.output]].forEach(function (p) {
        if (!p[1] || mi.getElementsByTagNameNS(ns, p[0]).length) { return; }
        var e = doc.createElementNS(ns, prefix + p[0]);
        e.textContent = p[1];
        mi.insertBefore(e, anchor);
      });
    });
    return new XMLSerializer().serializeToString(doc);
  }
  function textProblem(name, text) {
    if (name.endsWith(".json")) {
      try { JSON.parse(text); return ""; } catch (e) { return t.bad_json.replace("{name}", name) + " " + e.message; }
    }
    var doc = new DOMParser().parseFromString(text, "application/xml");
    return doc.getElementsByTagName("parsererror").length ? t.bad_xml.replace("{name}", name) : "";
  }
  function keep() {
    if (!current) { return Promise.resolve(); }
    if (inDmn(current)) {
      if (!changed[current]) { return Promise.resolve(); }
      return dmnEditor.save().then(function (xml) { files[current] = xml; });
    }
    if (!current.endsWith(".bpmn")) {
      var text = textBox.value;
      if (text !== files[current]) { files[current] = text; changed[current] = true; }
      return Promise.resolve();
    }
    if (!changed[current]) { return Promise.resolve(); }
    return modeler.saveXML({format: true}).then(function (r) { files[current] = withLoopRefs(r.xml, refs[current] || {}); });
  }
  function mark() {
    if (inDmn(current)) { dmnEditor.setProblems(problems.filter(function (p) { return p.file === current; })); return; }
    if (!current || !current.endsWith(".bpmn")) { return; }
    var registry = modeler.get("elementRegistry"), canvas = modeler.get("canvas"), overlays = modeler.get("overlays");
    overlays.remove({type: "zlw-problem"});
    var marked = [];
    problems.forEach(function (p) {
      var el = p.file === current && p.element && registry.get(p.element);
      if (!el) { return; }
      canvas.addMarker(p.element, "zlw-problem");
      var badge = document.createElement("span");
      badge.className = "zlw-problem-badge";
      badge.textContent = p.reason;
      overlays.add(p.element, "zlw-problem", {position: {bottom: -4, left: 0}, html: badge});
      marked.push(p.element);
    });
    canvasBox.dataset.problems = marked.join(" ");
  }
  function open(name) {
    return keep().then(function () {
      current = name;
      document.querySelectorAll("[data-file]").forEach(function (b) { b.classList.toggle("active", b.dataset.file === name); });
      var isBpmn = name.endsWith(".bpmn"), isDmn = inDmn(name);
      canvasBox.hidden = !isBpmn; panel.hidden = !isBpmn; textBox.hidden = isBpmn || isDmn; dmnWrap.hidden = !isDmn;
      canvasBox.parentNode.classList.toggle("col-lg-9", isBpmn);  // the properties panel is for diagrams only
      panel.parentNode.hidden = !isBpmn;
      document.getElementById("modeler-text-error").textContent = "";
      if (isDmn) { return openDmn(name); }
      if (!isBpmn) { textBox.value = files[name]; canvasBox.dataset.ready = ""; return; }
      if (!refs[name]) { refs[name] = loopRefs(files[name]); }
      var wasChanged = changed[name];
      return modeler.importXML(files[name]).then(function () {
        modeler.get("canvas").zoom("fit-viewport");
        changed[name] = wasChanged;
        mark();
        showPanel(null);
        canvasBox.dataset.ready = name;
      }).catch(function () { canvasBox.dataset.ready = "error"; say(t.not_shown, "danger"); });
    });
  }
  function openDmn(name) {
    var wasChanged = changed[name];
    delete dmnBox.dataset.ready;
    return dmnEditor.open(files[name]).then(function () {
      changed[name] = wasChanged;
      mark();
      dmnBox.dataset.ready = name;
    }).catch(function () {
      asText[name] = true;
      changed[name] = wasChanged;
      dmnWrap.hidden = true; textBox.hidden = false; textBox.value = files[name];
      dmnBox.dataset.ready = "error";
      document.getElementById("modeler-text-error").textContent = t.dmn_as_text;
    });
  }
  modeler.on("commandStack.changed", function () { if (current) { changed[current] = true; say(t.unsaved); } });
  textBox.addEventListener("input", function () {
    changed[current] = true; say(t.unsaved);
    document.getElementById("modeler-text-error").textContent = textProblem(current, textBox.value);
  });

  function field(label, value, apply) {
    var wrap = document.createElement("div"), id = "mp-" + label.length + "-" + panel.children.length;
    wrap.className = "mb-2";
    var l = document.createElement("label"); l.className = "form-label small mb-0"; l.htmlFor = id; l.textContent = label;
    var i = document.createElement("input"); i.className = "form-control form-control-sm"; i.id = id; i.value = value || "";
    if (apply) { i.addEventListener("change", function () { apply(i.value.trim()); }); } else { i.readOnly = true; }
    wrap.appendChild(l); wrap.appendChild(i); panel.appendChild(wrap);
  }
  function spiffProperty(bo, key) {
    var ext = bo.extensionElements, holder = ext && (ext.values || []).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
    return holder && (holder.properties || []).filter(function (p) { return p.name === key; })[0];
  }
  function setFormKey(element, value) {
    var modeling = modeler.get("modeling"), moddle = modeler.get("moddle"), bo = element.businessObject;
    var prop = spiffProperty(bo, "formKey");
    if (prop) { modeling.updateModdleProperties(element, prop, {value: value}); return; }
    var ext = bo.extensionElements || moddle.create("bpmn:ExtensionElements", {values: []});
    var holder = moddle.create("spiffworkflow:Properties", {properties: [moddle.create("spiffworkflow:Property", {name: "formKey", value: value})]});
    modeling.updateModdleProperties(element, ext, {values: (ext.values || []).concat([holder])});
    if (!bo.extensionElements) { modeling.updateProperties(element, {extensionElements: ext}); }
  }
  function showPanel(element) {
    panel.innerHTML = "";
    var h = document.createElement("h2"); h.className = "h6"; h.textContent = t.properties; panel.appendChild(h);
    if (!element) { var p = document.createElement("p"); p.className = "small text-muted"; p.textContent = t.select; panel.appendChild(p); return; }
    var bo = element.businessObject, modeling = modeler.get("modeling");
    field(t.element_id, bo.id, null);
    field(t.name, bo.name, function (v) { modeling.updateProperties(element, {name: v}); });
    if (bo.$type === "bpmn:Lane") { field(t.lane_role, bo.name, function (v) { modeling.updateProperties(element, {name: v}); }); }
    if (bo.$type === "bpmn:UserTask") {
      var prop = spiffProperty(bo, "formKey");
      field(t.form_key, prop && prop.value, function (v) { setFormKey(element, v); });
    }
    var mi = bo.loopCharacteristics, own = refs[current] || {};
    if (mi && mi.$type === "bpmn:MultiInstanceLoopCharacteristics") {
      var r = own[bo.id] = own[bo.id] || {input: "", output: ""};
      field(t.collection, r.input, function (v) { r.input = v; changed[current] = true; say(t.unsaved); });
      if (mi.inputDataItem) {
        field(t.item, mi.inputDataItem.name, function (v) { modeling.updateModdleProperties(element, mi.inputDataItem, {name: v, id: v}); });
      }
      var hint = document.createElement("p"); hint.className = "small text-muted"; hint.textContent = t.collection_hint; panel.appendChild(hint);
    }
    (bo.eventDefinitions || []).forEach(function (def) {
      if (def.$type !== "bpmn:TimerEventDefinition") { return; }
      ["timeDuration", "timeDate", "timeCycle"].forEach(function (kind) {
        var expr = def[kind];
        if (expr) { field(t.timer + " (" + kind + ")", expr.body, function (v) { modeling.updateModdleProperties(element, expr, {body: v}); }); }
      });
    });
    if (bo.$type === "bpmn:SequenceFlow" && bo.conditionExpression) {
      field(t.condition, bo.conditionExpression.body, function (v) { modeling.updateModdleProperties(element, bo.conditionExpression, {body: v}); });
    }
  }
  modeler.on("selection.changed", function (e) { showPanel(e.newSelection.length === 1 ? e.newSelection[0] : null); });

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body || {}),
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": data.csrf}
    }).then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }, function () { return {ok: false, body: {error: t.failed}}; }); });
  }
  function save() {
    return keep().then(function () {
      var out = {};
      Object.keys(changed).forEach(function (n) { if (changed[n]) { out[n] = files[n]; } });
      for (var n in out) { var bad = textProblem(n, out[n]); if (bad) { say(bad, "danger"); return Promise.reject(bad); } }
      say(t.saving);
      return post(data.save_url, {draft_id: draftId, files: out}).then(function (r) {
        if (!r.ok) { say(r.body.error || t.failed, "danger"); return Promise.reject(r.body.error); }
        draftId = r.body.id;
        data.validate_url = r.body.validate_url;
        history.replaceState(null, "", r.body.url);
        document.getElementById("modeler-draft-links").hidden = false;
        document.getElementById("modeler-discard").action = r.body.discard_url;
        document.getElementById("modeler-download").href = r.body.download_url;
        say(t.saved.replace("{id}", draftId), "success");
        return r.body;
      });
    });
  }
  function showProblems() {
    list.innerHTML = "";
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = (p.file || "") + (p.element ? " · " + p.element : "") + "：" + p.reason;
      if (p.file && files[p.file] !== undefined) { li.role = "button"; li.addEventListener("click", function () { open(p.file); }); }
      list.appendChild(li);
    });
    list.hidden = !problems.length;
  }
  document.getElementById("modeler-save").addEventListener("click", function () { save().catch(function () {}); });
  document.getElementById("modeler-validate").addEventListener("click", function () {
    save().then(function () {
      say(t.validating);
      return post(data.validate_url);
    }).then(function (r) {
      if (!r.ok) { say(r.body.error || t.failed, "danger"); return; }
      problems = r.body.problems; showProblems(); mark();
      var go = document.getElementById("modeler-check");
      go.hidden = !r.body.good;
      if (r.body.good) { go.href = r.body.check_url; say(t.good, "success"); } else { say(t.bad.replace("{n}", problems.length), "danger"); }
    }).catch(function () {});
  });
  document.querySelectorAll("[data-file]").forEach(function (b) { b.addEventListener("click", function () { open(b.dataset.file); }); });
  open(data.order[0]);
})();

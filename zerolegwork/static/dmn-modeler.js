// The decision-table editor of the web modeler (processes/modeler.html): a .dmn file opens in the dmn-js
// Modeler, its decision table first; dmn-js's labels come through a translate module fed by the page's
// JSON block (rendered through _()). modeler.js creates one ZlwDmn editor, opens files in it, asks it for
// the XML on save (saveXML) and hands it the validation problems, which it lists above the table (table,
// rule number and annotation) and marks on the rule's row.
(function () {
  "use strict";

  function translateModule(labels) {
    return {
      translate: ["value", function (template, replacements) {
        var text = labels[template] || template;
        return text.replace(/{([^}]+)}/g, function (whole, key) {
          return replacements && replacements[key] !== undefined ? replacements[key] : whole;
        });
      }]
    };
  }

  function Editor(box, list, t, onChange) {
    var module = translateModule(t.dmn_labels || {});
    this.box = box;
    this.list = list;
    this.t = t;
    this.xml = "";
    this.problems = [];
    this.marks = document.createElement("style");  // rules for the marked rows; survive dmn-js's re-renders
    document.head.appendChild(this.marks);
    this.dmn = new DmnJS({
      container: box,
      common: {debounceInput: false},  // every keystroke is a command at once: a save right after typing keeps it
      drd: {additionalModules: [module]},
      decisionTable: {additionalModules: [module]},
      literalExpression: {additionalModules: [module]},
      boxedExpression: {additionalModules: [module]}
    });
    this.onChange = onChange;
    this.seen = [];
    this.dmn.on("views.changed", this.listen.bind(this));
  }

  // Each view (the table, the DRD) has its own viewer and command stack: listen to each once.
  Editor.prototype.listen = function () {
    var viewer = this.dmn.getActiveViewer(), self = this;
    if (!viewer || this.seen.indexOf(viewer) >= 0) { return; }
    this.seen.push(viewer);
    viewer.get("eventBus").on("commandStack.changed", function () { if (!self.importing) { self.onChange(); } });
  };

  Editor.prototype.open = function (xml) {
    var self = this;
    this.importing = true;
    return this.dmn.importXML(xml).then(function () {
      var table = self.dmn.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
      var active = self.dmn.getActiveView();
      return table && (!active || active.type !== "decisionTable") ? self.dmn.open(table) : null;
    }).then(function () {
      // a file without a DRD layout (DMNDI) would show an empty DRD: offer that view only when there is one
      var di = self.dmn.getDefinitions().dmnDI;
      self.box.classList.toggle("zlw-dmn-no-drd", !(di && di.diagrams && di.diagrams.length));
      self.xml = xml;
      self.importing = false;
      self.listen();
      self.show();
    }, function (err) {
      self.importing = false;
      throw err;
    });
  };

  Editor.prototype.save = function () {
    var self = this;
    return this.dmn.saveXML({format: true}).then(function (r) { self.xml = r.xml; return r.xml; });
  };

  Editor.prototype.setProblems = function (problems) {
    this.problems = problems;
    this.show();
  };

  // Where a problem's element sits: its decision, table, rule number (1-based) and the rule's annotation.
  Editor.prototype.locate = function (doc, id) {
    var el = id ? doc.querySelector('[id="' + id.replace(/["\\]/g, "") + '"]') : null;
    var place = {rule: null, number: 0, note: "", table: "", decision: ""};
    for (var node = el; node && node.nodeType === 1; node = node.parentNode) {
      if (node.localName === "rule" && !place.rule) {
        place.rule = node;
        var rules = Array.prototype.filter.call(node.parentNode.children, function (c) { return c.localName === "rule"; });
        place.number = rules.indexOf(node) + 1;
        var d = Array.prototype.filter.call(node.children, function (c) { return c.localName === "description"; })[0];
        place.note = d ? d.textContent.trim() : "";
      }
      if (node.localName === "decisionTable") { place.table = node.getAttribute("id") || ""; }
      if (node.localName === "decision") { place.decision = node.getAttribute("name") || node.getAttribute("id") || ""; }
    }
    return place;
  };

  Editor.prototype.show = function () {
    var t = this.t, self = this, doc = new DOMParser().parseFromString(this.xml || "<x/>", "application/xml");
    var css = [], cells = [], marked = [];
    this.list.innerHTML = "";
    this.problems.forEach(function (p) {
      var place = self.locate(doc, p.element), li = document.createElement("li");
      var where = [t.dmn_table.replace("{table}", place.decision + (place.table ? "（" + place.table + "）" : ""))];
      if (place.rule) {
        var ruleId = place.rule.getAttribute("id") || "";
        where.push(t.dmn_rule.replace("{n}", place.number).replace("{id}", ruleId) + (place.note ? "「" + place.note + "」" : ""));
        css.push('td[data-row-id="' + CSS.escape(ruleId) + '"]');
        if (p.element !== ruleId) {  // a cell of the rule (SpiffWorkflow's parser names the entry)
          where.push(p.element);
          cells.push('td[data-element-id="' + CSS.escape(p.element) + '"]');
        }
        marked.push(ruleId);
      } else if (p.element) {
        where.push(p.element);
        css.push('th[data-col-id="' + CSS.escape(p.element) + '"]');
        marked.push(p.element);
      }
      li.textContent = where.join(" · ") + "：" + p.reason;
      self.list.appendChild(li);
    });
    this.list.hidden = !this.problems.length;
    this.marks.textContent = (css.length ? css.join(",\n") + " { background: #f8d7da !important; box-shadow: inset 0 0 0 1px #dc3545; }\n" : "") +
      (cells.length ? cells.join(",\n") + " { box-shadow: inset 0 0 0 3px #dc3545 !important; }" : "");
    this.box.dataset.problems = marked.join(" ");
  };

  window.ZlwDmn = Editor;
})();

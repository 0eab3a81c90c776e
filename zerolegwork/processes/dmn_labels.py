"""The dmn-js labels an analyst sees most, through the translation layer, for the modeler's translate module.

Each key is the English template dmn-js passes to its `translate` service; each value is that label in the
request's language. Where a dmn-js word already has another meaning in the catalog ("Any"), the msgid says
which one is meant.
"""

from __future__ import annotations

from flask_babel import gettext as _


def dmn_labels() -> dict[str, str]:
    """Return {dmn-js template: translated label} for the decision-table editor."""
    return {
        "Hit policy:": _("Hit policy:"),
        "Hit policy": _("Hit policy"),
        "Unique": _("Unique"),
        "First": _("First"),
        "Priority": _("Priority"),
        "Any": _("Any (the hit policy)"),
        "Collect": _("Collect"),
        "Collect (Sum)": _("Collect (Sum)"),
        "Collect (Min)": _("Collect (Min)"),
        "Collect (Max)": _("Collect (Max)"),
        "Collect (Count)": _("Collect (Count)"),
        "Rule order": _("Rule order"),
        "Output order": _("Output order"),
        "No overlap is possible and all rules are disjoint. Only a single rule can be matched": _(
            "No overlap is possible and all rules are disjoint. Only a single rule can be matched"
        ),
        "Rules may overlap. The first matching rule will be chosen": _(
            "Rules may overlap. The first matching rule will be chosen"
        ),
        "Collects the values of all matching rules": _("Collects the values of all matching rules"),
        "When": _("When"),
        "Then": _("Then"),
        "And": _("And"),
        "Annotation": _("Annotation"),
        "Annotations": _("Annotations"),
        "Decision name": _("Decision name"),
        "Decision name: ": _("Decision name: "),
        "View DRD": _("View DRD"),
        "Input": _("Input"),
        "Output": _("Output"),
        "Add rule": _("Add rule"),
        "Add rule above": _("Add rule above"),
        "Add rule below": _("Add rule below"),
        "Remove rule": _("Remove rule"),
        "Copy rule": _("Copy rule"),
        "Cut rule": _("Cut rule"),
        "Paste rule above": _("Paste rule above"),
        "Paste rule below": _("Paste rule below"),
        "Add input": _("Add input"),
        "Add output": _("Add output"),
        "Add input column left": _("Add input column left"),
        "Add input column right": _("Add input column right"),
        "Add output column left": _("Add output column left"),
        "Add output column right": _("Add output column right"),
        "Remove input column": _("Remove input column"),
        "Remove output column": _("Remove output column"),
        "Copy input column": _("Copy input column"),
        "Copy output column": _("Copy output column"),
        "Cut input column": _("Cut input column"),
        "Cut output column": _("Cut output column"),
        "Paste input column left": _("Paste input column left"),
        "Paste input column right": _("Paste input column right"),
        "Paste output column left": _("Paste output column left"),
        "Paste output column right": _("Paste output column right"),
        "Add cell description": _("Add cell description"),
        "Remove cell description": _("Remove cell description"),
        "Input label": _("Input label"),
        "Input expression": _("Input expression"),
        "Input label: ": _("Input label: "),
        "Input expression: ": _("Input expression: "),
        "Input type": _("Input type"),
        "Output label": _("Output label"),
        "Output name": _("Output name"),
        "Output label: ": _("Output label: "),
        "Output name: ": _("Output name: "),
        "Output type": _("Output type"),
        "Type": _("Type"),
        "Expression": _("Expression"),
        "Expression language": _("Expression language"),
        "Enter expression": _("Enter expression"),
        "Edit input": _("Edit input"),
        "Edit output": _("Edit output"),
        "Edit string": _("Edit string"),
        "Edit number": _("Edit number"),
        "Edit boolean": _("Edit boolean"),
        "Strings must be in double quotes": _("Strings must be in double quotes"),
        "Move rule": _("Move rule"),
        "Predefined values": _("Predefined values"),
        "Clear predefined values": _("Clear predefined values"),
        "Add predefined values": _("Add predefined values"),
        "Add values": _("Add values"),
        "Custom values": _("Custom values"),
        "Input values": _("Input values"),
        "Output values": _("Output values"),
        "No values": _("No values"),
        "Values": _("Values"),
        "Resize": _("Resize"),
    }

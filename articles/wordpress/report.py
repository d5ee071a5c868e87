"""What an import did, or would do: counts by kind and outcome, and every
skipped item and warning with its reason.

Notes are grouped by reason and keep only their first few examples, so the
report stays small however many items share a reason.
"""

from collections import Counter, defaultdict

EXAMPLES_PER_REASON = 5
OUTCOMES = ("created", "updated", "unchanged")


class _Notes:
    def __init__(self):
        self.by_reason = {}

    def add(self, reason, what):
        count, examples = self.by_reason.get(reason, (0, []))
        if what and len(examples) < EXAMPLES_PER_REASON:
            examples.append(what)
        self.by_reason[reason] = (count + 1, examples)

    @property
    def total(self):
        return sum(count for count, _examples in self.by_reason.values())

    def count(self, reason):
        return self.by_reason.get(reason, (0, []))[0]

    def lines(self):
        for reason, (count, examples) in sorted(self.by_reason.items(), key=lambda entry: -entry[1][0]):
            more = f"; {count - len(examples)} more" if count > len(examples) else ""
            shown = f": {', '.join(examples)}{more}" if examples else ""
            yield f"  {count} × {reason}{shown}"


class Report:
    def __init__(self):
        self.outcomes = defaultdict(Counter)
        self.skipped = _Notes()
        self.warnings = _Notes()

    def count(self, kind, outcome, number=1):
        self.outcomes[kind][outcome] += number

    def skip(self, reason, what=""):
        self.skipped.add(reason, what)

    def warn(self, reason, what=""):
        self.warnings.add(reason, what)

    def total(self, kind, outcome):
        return self.outcomes[kind][outcome]

    def lines(self, dry_run=False):
        yield "Dry run: nothing was written. The import would have:" if dry_run else "Import finished:"
        for kind, counts in self.outcomes.items():
            yield f"  {kind}: " + ", ".join(f"{counts[outcome]} {outcome}" for outcome in OUTCOMES)
        yield f"Skipped: {self.skipped.total}"
        yield from self.skipped.lines()
        yield f"Warnings: {self.warnings.total}"
        yield from self.warnings.lines()

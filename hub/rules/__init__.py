"""iJw rules: importing this package registers every rule module with the registry."""

from hub.rules import registry
from hub.rules.registry import Context, Hit, Level, Rule, Violation, iter_violations, rule, rules_for

__all__ = ["Context", "Hit", "Level", "Rule", "Violation", "iter_violations", "registry", "rule", "rules_for"]

"""Every state change of the core, as functions named <entity>_<action>(*, ...).

Each change is compare-and-set, writes an AuditEvent in the same transaction and
leaves side effects (tasks, emails) to transaction.on_commit.
"""

"""Time-driven work: deadlines, reminders, notifications, e-mail and the scheduler."""

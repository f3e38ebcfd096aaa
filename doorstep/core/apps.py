from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "doorstep.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from django.db.models.signals import post_migrate

        from doorstep.core import (
            checks,  # noqa: F401  (registers the transport system checks)
            lookups,  # noqa: F401  (registers in_literal and unindexed on every field)
        )
        from doorstep.core.ratelimit import create_counter_table

        # the rate limits' counter table (a database cache table, not a model) after every migrate, tests included
        post_migrate.connect(create_counter_table, sender=self, dispatch_uid="doorstep.rate_counters")

"""DollarPe (exchange / CMS API): client, typed responses, errors and webhooks.

Facts and their sources: shared/providers/dollarpe/API.md.
"""

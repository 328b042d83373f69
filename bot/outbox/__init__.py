"""The outbox: every post the bot makes on its own (alerts, flood summaries, digests, notices)
is queued here and sent once, in order per channel. Post kinds register how they render and
what happens when their channel is unavailable (`Outbox.register`)."""

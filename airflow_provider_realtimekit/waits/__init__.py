"""How a wait behaves: which payload counts as stopped, which parameters a wait accepts, and how failed
polls and 429s are counted. The sensor (poke and reschedule), the trigger (deferrable) and the shared
poller all use these, so a reader looking for "what does a wait do on a 429" lands here."""

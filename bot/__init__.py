"""Release Radar: answers questions about AI model releases and keeps communities posted."""

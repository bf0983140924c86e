"""Indonesian law as Posko checks it: versioned rule sets and the working-day calendar."""

// Simulator — placeholder until its first file lands.

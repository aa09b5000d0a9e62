// Runtime — placeholder until its first file lands.

// FineTune — placeholder until its first file lands.

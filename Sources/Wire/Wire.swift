// Wire — placeholder until its first file lands.

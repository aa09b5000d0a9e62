// Tensors — placeholder until its first file lands.

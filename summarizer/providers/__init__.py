"""Where requests go: the OpenAI-compatible client and the embedded llama.cpp model."""

"""The data model: articles, what the LLM fills, the stored records, and batch outcomes."""

"""Where requests go: a provider turns one request into a validated extraction (``base.py``).
``provider_for`` routes settings to one: the embedded llama.cpp model, or any OpenAI-compatible
endpoint."""

from __future__ import annotations

from typing import Any

from summarizer.config import Settings
from summarizer.providers.base import Extraction, LLMError, Provider, RequestGate

__all__ = ["Extraction", "LLMError", "Provider", "RequestGate", "provider_for"]


def provider_for(settings: Settings, **options: Any) -> Provider:
    """The provider the settings name (``options``: ``sleep``, ``token_budget``)."""
    if settings.uses_embedded:
        from summarizer.providers.embedded import EmbeddedModel

        return EmbeddedModel(settings, **options)
    from summarizer.providers.openai_compat import OpenAICompatible

    return OpenAICompatible(settings, **options)

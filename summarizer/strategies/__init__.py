"""How a document is asked: in one request per text (``single``, plan.py), or question by
question (``staged``: which sentences report events, then each event's fields, then the summary).
"""

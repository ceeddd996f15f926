"""Vietnamese text: normalisation (NFC, tone placement, folding), syllables, dates, places, spelling variants.

May import: the standard library, ``unidecode``, ``vietnamadminunits``. Nothing else of newssearch.
"""

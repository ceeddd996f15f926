"""Display labels for facet values, so any front end can show them without its own tables."""

from __future__ import annotations

__all__ = ["facet_label"]

#: The category codes of the bundled Dân Trí sample (CP_Vietnamese-UNC), in Vietnamese as the paper names them.
CATEGORY_LABELS = {
    "business": "Kinh doanh",
    "education": "Giáo dục",
    "entertainment": "Giải trí",
    "health": "Sức khỏe",
    "science": "Khoa học",
    "society": "Xã hội",
    "sport": "Thể thao",
    "tech": "Công nghệ",
    "travel": "Du lịch",
    "world": "Thế giới",
}


def facet_label(facet: str, value: str) -> str:
    """``("category", "health")`` → ``Sức khỏe``; ``("month", "2022-01")`` → ``01/2022``; else the value."""
    if facet == "category":
        return CATEGORY_LABELS.get(value, value)
    if facet == "month" and len(value) == 7:
        return f"{value[5:7]}/{value[:4]}"
    return value

"""Display labels for facet values: the one table every front end shows (the API sends ``label`` with each value)."""

from __future__ import annotations

__all__ = ["facet_label"]

#: Category codes of the bundled Dân Trí sample (CP_Vietnamese-UNC) and of other outlets' feeds, in Vietnamese.
CATEGORY_LABELS = {
    "business": "Kinh doanh",
    "education": "Giáo dục",
    "entertainment": "Giải trí",
    "health": "Sức khỏe",
    "law": "Pháp luật",
    "life": "Đời sống",
    "politics": "Chính trị",
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

"""Reference data: the GDPT 2018 subjects for grades 6–8 and the textbook topic catalogue.

Loaded into editable tables by `flask lms init`; nothing here is used as a constant at run time.
The topic CSVs are the project's copies of shared/data/topics (Kết nối tri thức, grades 6–8).
"""

import os

SUBJECTS = [
    # code, name_vi, name_en
    ("ngu_van", "Ngữ văn", "Literature (Vietnamese)"),
    ("toan", "Toán", "Mathematics"),
    ("tieng_anh", "Tiếng Anh", "English"),
    ("gdcd", "Giáo dục công dân", "Civic Education"),
    ("lich_su_dia_li", "Lịch sử và Địa lí", "History and Geography"),
    ("khtn", "Khoa học tự nhiên", "Natural Science"),
    ("cong_nghe", "Công nghệ", "Technology"),
    ("tin_hoc", "Tin học", "Informatics"),
    ("gdtc", "Giáo dục thể chất", "Physical Education"),
    ("am_nhac", "Âm nhạc", "Music"),
    ("mi_thuat", "Mĩ thuật", "Fine Arts"),
    ("hdtn_hn", "Hoạt động trải nghiệm – hướng nghiệp", "Experiential and Career Guidance Activities"),
    ("gddp", "Nội dung giáo dục của địa phương", "Local Education Content"),
]

TOPICS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")


def topic_files():
    return sorted(
        os.path.join(TOPICS_DIR, name) for name in os.listdir(TOPICS_DIR) if name.endswith(".csv")
    )

"""The demo district's questions (`flask lms seed-demo`): a dozen questions of several types for
Toán 6 and KHTN 6, written by the demo teachers through the real services and reviewed by the demo
reviewers with a score for every criterion. Most are approved; an imported Toán set of three waits
in the group's pool (the bulk review page has something to show); one is a draft.

Idempotent: a question whose owner already has one with its stem is left as it is.
"""

from ..accounts.models import User
from ..extensions import db
from ..review import services as review_services
from . import services
from .models import Question, QuestionVersion

APPROVED, DRAFT = "approved", "draft"


def _single(correct, *texts):
    return {"options": [{"id": chr(97 + i), "text": t} for i, t in enumerate(texts)], "correct": correct}


# (owner, subject, level, qtype, stem, data, explanation, target)
QUESTIONS = [
    ("gv.toan", "toan", "nhan_biet", "single_choice", "Kết quả của phép tính \\(\\frac{1}{2} + \\frac{1}{3}\\) là",
     _single("c", "\\(\\frac{2}{5}\\)", "\\(\\frac{1}{6}\\)", "\\(\\frac{5}{6}\\)", "\\(\\frac{2}{6}\\)"),
     "Quy đồng mẫu số: \\(\\frac{3}{6} + \\frac{2}{6} = \\frac{5}{6}\\).", APPROVED),
    ("gv.toan", "toan", "thong_hieu", "multiple_choice", "Những số nào sau đây là số nguyên tố?",
     {"options": [{"id": "a", "text": "2", "weight": 50}, {"id": "b", "text": "9", "weight": -50},
                  {"id": "c", "text": "13", "weight": 50}, {"id": "d", "text": "21", "weight": -50}]},
     "2 và 13 chỉ có hai ước là 1 và chính nó.", APPROVED),
    ("gv.toan", "toan", "nhan_biet", "true_false", "Số 0 là số tự nhiên.", {"correct": True},
     "Tập hợp số tự nhiên ℕ = {0; 1; 2; ...}.", APPROVED),
    ("gv.toan", "toan", "van_dung", "numerical", "Tính \\(2{,}5 \\times 4 - 3\\).",
     {"answers": [{"value": 7, "tolerance": 0, "weight": 100}]}, "2,5 × 4 = 10; 10 − 3 = 7.", APPROVED),
    ("gv.toan", "toan", "thong_hieu", "true_false_group", "Cho tập hợp A = {1; 2; 3; 4}. Xét tính đúng sai:",
     {"statements": [{"id": "a", "text": "2 ∈ A", "correct": True}, {"id": "b", "text": "5 ∈ A", "correct": False},
                     {"id": "c", "text": "A có 4 phần tử", "correct": True},
                     {"id": "d", "text": "0 ∈ A", "correct": False}]}, "", APPROVED),
    ("gv.toan2", "toan", "van_dung", "short_answer", "Viết phân số \\(\\frac{12}{18}\\) ở dạng tối giản.",
     {"answers": [{"text": "2/3", "weight": 100}], "case_sensitive": False}, "Chia cả tử và mẫu cho 6.", APPROVED),
    ("gv.toan", "toan", "van_dung_cao", "essay", "Chứng minh rằng tổng của ba số tự nhiên liên tiếp chia hết cho 3.",
     {}, "n + (n + 1) + (n + 2) = 3n + 3 = 3(n + 1).", DRAFT),
    ("gv.khtn", "khtn", "nhan_biet", "single_choice", "Đơn vị đo khối lượng trong hệ đo lường chính thức của Việt Nam là",
     _single("b", "mét (m)", "kilôgam (kg)", "giây (s)", "lít (l)"), "", APPROVED),
    ("gv.khtn", "khtn", "thong_hieu", "matching", "Ghép mỗi dụng cụ với đại lượng nó đo.",
     {"pairs": [{"id": "1", "left": "Nhiệt kế", "right": "Nhiệt độ"}, {"id": "2", "left": "Cân", "right": "Khối lượng"},
                {"id": "3", "left": "Đồng hồ bấm giây", "right": "Thời gian"}]}, "", APPROVED),
    ("gv.khtn", "khtn", "nhan_biet", "true_false", "Nước sôi ở 100 °C ở áp suất tiêu chuẩn.", {"correct": True},
     "", APPROVED),
]
# An imported set waiting for review in the Toán group's pool (Aiken, as a teacher would upload it).
WAITING_SET = """Số nào chia hết cho cả 2 và 5?
A. 25
B. 40
C. 52
ANSWER: B

Ước chung lớn nhất của 12 và 18 là
A. 3
B. 6
C. 36
ANSWER: B

Bội chung nhỏ nhất của 4 và 6 là
A. 12
B. 24
C. 2
ANSWER: A
"""


def seed_demo_questions(users=None):
    """Create the demo questions that do not exist yet; returns how many questions the demo has."""
    users = users or {}

    def user(username):
        if username not in users:
            users[username] = db.session.scalar(db.select(User).where(User.username == username))
        return users[username]

    review_services.ensure_default_criteria()
    scores = {c.code: (None if c.code == "accessibility" else 3) for c in review_services.criteria()}
    reviewers = {"toan": "reviewer.toan", "khtn": "reviewer.khtn"}

    def exists(owner, stem):
        return db.session.scalar(db.select(Question.id).join(QuestionVersion, QuestionVersion.question_id == Question.id)
                                 .where(Question.owner_id == owner.id, QuestionVersion.stem == stem).limit(1))

    for owner, subject, level, qtype, stem, data, explanation, target in QUESTIONS:
        teacher = user(owner)
        if teacher is None or exists(teacher, stem):
            continue
        question = services.create_question(teacher, {"subject": subject, "grade": "6", "level": level,
                                                      "qtype": qtype, "stem": stem, "data": data,
                                                      "explanation": explanation, "tags": ["demo"]})
        if target == APPROVED:
            reviewer = user(reviewers[subject])
            review_services.submit(question, teacher)
            review_services.claim(question, reviewer)
            review_services.decide(question, reviewer, "approve", "Câu hỏi rõ ràng, đáp án đúng.", scores)
    teacher = user("gv.toan")
    if teacher is not None and not exists(teacher, "Số nào chia hết cho cả 2 và 5?"):
        record = services.preview_import(teacher, "aiken", WAITING_SET.encode(), "on-tap-chuong-2.txt", "toan", "6")
        services.confirm_import(teacher, record, {})
        services.submit_set(teacher, record)
    db.session.flush()
    return db.session.scalar(db.select(db.func.count(Question.id)))

"""The demo district's materials (`flask lms seed-demo`): a dozen lessons across Toán, KHTN and
Ngữ văn for grades 6–8, generated at seed time (demo_documents) and taken through the real
services: uploaded by the demo teachers, submitted, claimed and decided by the demo reviewers
with a score for every criterion. Most are approved; one waits in each group's pool, the Ngữ văn
one where no group reviews it yet (so the office is notified); one has changes requested; one is
a draft.

Idempotent: a material whose owner already has one with its title is left as it is.
"""

import functools
import re

from ..accounts.models import User
from ..core.text import fold
from ..extensions import db
from ..files import services as files
from ..review import services as review_services
from ..schools.models import Subject, Topic
from . import demo_documents, services
from .models import Material

APPROVED, WAITING, CHANGES, DRAFT = "approved", "submitted", "changes_requested", "draft"

# (owner, subject, grade, topic order in the catalogue, kind, format, title, description, where it
# ends up, content). Content: slides [(title, [bullets])]; pdf [(heading, [paragraphs])];
# docx {"instructions", "exercises", "table"}.
LESSONS = [
    ("gv.toan", "toan", 6, 25, "slides", "pptx", "Bài 25. Phép cộng và phép trừ phân số",
     "Bài giảng 5 trang chiếu: quy tắc cộng, trừ phân số cùng mẫu và khác mẫu, ví dụ và luyện tập.",
     APPROVED,
     [("Cộng hai phân số cùng mẫu", ["Muốn cộng hai phân số cùng mẫu, ta cộng các tử và giữ nguyên mẫu.",
                                     "Ví dụ: 3/7 + 2/7 = 5/7."]),
      ("Cộng hai phân số khác mẫu", ["Quy đồng mẫu số các phân số rồi cộng các tử số.",
                                     "Ví dụ: 1/2 + 1/3 = 3/6 + 2/6 = 5/6.",
                                     "Nên rút gọn kết quả về phân số tối giản."]),
      ("Phép trừ phân số", ["Muốn trừ hai phân số, ta cộng số bị trừ với số đối của số trừ.",
                            "Ví dụ: 3/4 − 1/6 = 9/12 − 2/12 = 7/12."]),
      ("Luyện tập", ["Tính: 2/5 + 3/10; 5/6 − 1/4; −3/8 + 5/12.",
                     "Một bể nước đã có 2/5 bể, bơm thêm 1/3 bể. Bể đã đầy bao nhiêu phần?"])]),
    ("gv.toan", "toan", 6, 24, "worksheet", "docx", "Phiếu học tập: So sánh phân số, hỗn số dương",
     "Phiếu học tập cho hoạt động nhóm: so sánh phân số cùng mẫu, khác mẫu và viết hỗn số dương.",
     APPROVED,
     {"instructions": "Làm việc theo nhóm bốn bạn trong 15 phút. Ghi rõ cách quy đồng mẫu số.",
      "exercises": ["So sánh hai phân số 3/8 và 5/8; 2/3 và 3/4.",
                    "Sắp xếp các phân số 1/2, 2/5, 3/4, 5/8 theo thứ tự tăng dần.",
                    "Viết các phân số 7/3 và 11/4 dưới dạng hỗn số dương.",
                    "Bạn An ăn 3/8 cái bánh, bạn Bình ăn 2/5 cái bánh. Ai ăn nhiều bánh hơn?"],
      "table": [["Phân số", "Quy đồng", "Kết quả so sánh"], ["2/3 và 3/4", "", ""], ["5/6 và 7/9", "", ""]]}),
    ("gv.toan2", "toan", 6, 1, "worksheet", "pdf", "Ôn tập: Tập hợp và phần tử của tập hợp",
     "Tóm tắt kiến thức và bài tập ôn luyện về tập hợp, kí hiệu thuộc và không thuộc.",
     APPROVED,
     [("Kiến thức cần nhớ", ["Tập hợp là một khái niệm cơ bản của toán học. Ta thường đặt tên tập hợp "
                             "bằng chữ cái in hoa: A, B, C.",
                             "Kí hiệu x ∈ A đọc là x thuộc A; y ∉ A đọc là y không thuộc A.",
                             "Có hai cách cho một tập hợp: liệt kê các phần tử, hoặc chỉ ra tính chất "
                             "đặc trưng cho các phần tử của tập hợp."]),
      ("Bài tập", ["Bài 1. Viết tập hợp M các chữ cái trong từ NHA TRANG.",
                   "Bài 2. Cho A = {x ∈ ℕ | 3 < x ≤ 8}. Viết tập hợp A bằng cách liệt kê các phần tử.",
                   "Bài 3. Điền kí hiệu ∈ hoặc ∉ vào chỗ trống: 5 ... A; 9 ... A."])]),
    ("gv.toan2", "toan", 7, 20, "worksheet", "pdf", "Tỉ lệ thức và tính chất của tỉ lệ thức",
     "Phiếu lí thuyết và bài tập về tỉ lệ thức, có ví dụ giải mẫu.",
     APPROVED,
     [("Định nghĩa", ["Tỉ lệ thức là đẳng thức của hai tỉ số a/b = c/d (b, d khác 0).",
                      "Các số a, d gọi là ngoại tỉ; b, c gọi là trung tỉ."]),
      ("Tính chất", ["Nếu a/b = c/d thì a·d = b·c: tích các ngoại tỉ bằng tích các trung tỉ.",
                     "Ví dụ: từ x/4 = 9/6 suy ra 6x = 36, vậy x = 6."]),
      ("Bài tập", ["Tìm x trong tỉ lệ thức: x/5 = 12/20; 3/x = 9/15.",
                   "Lập tất cả các tỉ lệ thức có thể được từ đẳng thức 2·15 = 5·6."])]),
    ("gv.toan", "toan", 8, 15, "slides", "pptx", "Định lí Thalès trong tam giác",
     "Bài giảng: đoạn thẳng tỉ lệ, định lí Thalès thuận và đảo, ví dụ đo chiều cao cây bằng bóng nắng.",
     WAITING,
     [("Đoạn thẳng tỉ lệ", ["AB và CD tỉ lệ với A'B' và C'D' nếu AB/CD = A'B'/C'D'."]),
      ("Định lí Thalès", ["Một đường thẳng song song với một cạnh của tam giác và cắt hai cạnh còn lại "
                          "thì định ra trên hai cạnh đó những đoạn thẳng tương ứng tỉ lệ."]),
      ("Vận dụng", ["Đo chiều cao của cây bằng bóng nắng và một cọc tiêu.",
                    "Tính độ dài x trên hình, biết MN song song với BC."])]),
    ("gv.toan2", "toan", 6, 14, "worksheet", "docx", "Phiếu bài tập: Phép cộng và phép trừ số nguyên",
     "Phiếu bài tập cá nhân về cộng, trừ số nguyên, có bài toán thực tế về nhiệt độ.",
     CHANGES,
     {"instructions": "Làm cá nhân trong 20 phút, sau đó đổi phiếu để kiểm tra chéo.",
      "exercises": ["Tính: (−15) + 8; 23 + (−30); (−12) + (−9).",
                    "Tính: 7 − 12; (−5) − (−14); 0 − 25.",
                    "Nhiệt độ buổi sáng ở Sa Pa là −2 °C, buổi trưa tăng thêm 9 °C. Hỏi nhiệt độ "
                    "buổi trưa là bao nhiêu? (Đáp án: −11 °C)"],
      "table": [["Phép tính", "Kết quả"], ["(−7) + 12", "−5"], ["(−3) − 4", "−7"]]}),
    ("gv.khtn", "khtn", 6, 18, "slides", "pptx", "Tế bào – đơn vị cơ bản của sự sống",
     "Bài giảng: khái niệm tế bào, hình dạng và kích thước tế bào, vì sao tế bào là đơn vị của sự sống.",
     APPROVED,
     [("Tế bào là gì?", ["Tế bào là đơn vị cấu trúc và chức năng cơ bản của cơ thể sống.",
                         "Mọi cơ thể sinh vật đều được cấu tạo từ tế bào."]),
      ("Hình dạng và kích thước", ["Tế bào có nhiều hình dạng: hình cầu, hình đĩa, hình sợi, hình sao.",
                                   "Phần lớn tế bào rất nhỏ, phải quan sát bằng kính hiển vi."]),
      ("Câu hỏi", ["Vì sao nói tế bào là đơn vị cơ bản của sự sống?",
                   "Kể tên ba loại tế bào có hình dạng khác nhau trong cơ thể người."])]),
    ("gv.khtn", "khtn", 6, 8, "worksheet", "docx", "Phiếu thực hành: Đo nhiệt độ bằng nhiệt kế",
     "Phiếu thực hành nhóm: ước lượng, đo và ghi nhiệt độ của nước bằng nhiệt kế.",
     APPROVED,
     {"instructions": "Dụng cụ: nhiệt kế y tế, nhiệt kế rượu, ba cốc nước (lạnh, thường, ấm). "
                      "Ước lượng nhiệt độ trước khi đo, rồi đo và ghi kết quả.",
      "exercises": ["Quan sát nhiệt kế và cho biết giới hạn đo, độ chia nhỏ nhất.",
                    "Đo nhiệt độ nước trong ba cốc, ghi vào bảng.",
                    "So sánh nhiệt độ ước lượng với nhiệt độ đo được. Vì sao cần dùng nhiệt kế?"],
      "table": [["Cốc nước", "Ước lượng (°C)", "Đo được (°C)"], ["Cốc 1", "", ""], ["Cốc 2", "", ""],
                ["Cốc 3", "", ""]]}),
    ("gv.khtn", "khtn", 7, 8, "slides", "pptx", "Tốc độ chuyển động",
     "Bài giảng: ý nghĩa của tốc độ, công thức v = s/t, đơn vị đo tốc độ và bài tập vận dụng.",
     APPROVED,
     [("Tốc độ là gì?", ["Tốc độ cho biết mức độ nhanh hay chậm của chuyển động.",
                         "Tốc độ được tính bằng quãng đường đi được trong một đơn vị thời gian."]),
      ("Công thức", ["v = s / t, trong đó s là quãng đường, t là thời gian.",
                     "Đơn vị thường dùng: m/s và km/h; 1 m/s = 3,6 km/h."]),
      ("Vận dụng", ["Một bạn đi xe đạp 6 km trong 20 phút. Tính tốc độ của bạn theo km/h.",
                    "Vì sao cần giữ tốc độ an toàn khi tham gia giao thông?"])]),
    ("gv.khtn", "khtn", 7, 2, "etextbook", "pdf", "Nguyên tử: mô hình Rutherford – Bohr",
     "Tài liệu đọc: cấu tạo nguyên tử, hạt proton, neutron, electron và mô hình các lớp electron.",
     WAITING,
     [("Cấu tạo nguyên tử", ["Nguyên tử gồm hạt nhân mang điện tích dương và vỏ nguyên tử gồm các "
                             "electron mang điện tích âm.",
                             "Hạt nhân được tạo bởi proton và neutron."]),
      ("Mô hình Rutherford – Bohr", ["Các electron chuyển động quanh hạt nhân theo từng lớp.",
                                     "Lớp thứ nhất có tối đa 2 electron, lớp thứ hai có tối đa 8 electron."]),
      ("Câu hỏi", ["Vẽ mô hình nguyên tử carbon (6 proton, 6 electron).",
                   "Vì sao nguyên tử trung hoà về điện?"])]),
    ("gv.van", "ngu_van", 6, 4, "worksheet", "pdf", "Đọc hiểu: Những câu hát dân gian về vẻ đẹp quê hương",
     "Phiếu đọc hiểu ca dao về cảnh đẹp các vùng miền, có câu hỏi gợi ý và bài tập viết đoạn văn.",
     WAITING,
     [("Văn bản", ["Đường vô xứ Nghệ quanh quanh, / Non xanh nước biếc như tranh hoạ đồ.",
                   "Đứng bên ni đồng, ngó bên tê đồng, mênh mông bát ngát; / Đứng bên tê đồng, "
                   "ngó bên ni đồng, bát ngát mênh mông."]),
      ("Câu hỏi đọc hiểu", ["Câu 1. Những bài ca dao trên nói về cảnh đẹp của vùng nào?",
                            "Câu 2. Tìm các từ láy trong bài ca dao thứ hai và nêu tác dụng.",
                            "Câu 3. Tình cảm của tác giả dân gian đối với quê hương là gì?"]),
      ("Viết", ["Viết đoạn văn khoảng 5 câu nêu cảm nghĩ của em về một bài ca dao em thích."])]),
    ("gv.van", "ngu_van", 6, 6, "worksheet", "docx", "Phiếu học tập: Truyền thuyết Thánh Gióng",
     "Phiếu học tập đọc hiểu truyền thuyết Thánh Gióng: chi tiết kì ảo và ý nghĩa.",
     DRAFT,
     {"instructions": "Đọc văn bản Thánh Gióng trong sách giáo khoa, sau đó trả lời các câu hỏi.",
      "exercises": ["Tìm những chi tiết kì ảo về sự ra đời và lớn lên của Gióng.",
                    "Vì sao Gióng đòi ngựa sắt, roi sắt, giáp sắt để đánh giặc?",
                    "Hình tượng Thánh Gióng thể hiện quan niệm và ước mơ gì của nhân dân?"],
      "table": [["Chi tiết kì ảo", "Ý nghĩa"], ["Gióng lớn nhanh như thổi", ""],
                ["Gióng bay về trời", ""]]}),
]

REVIEWERS = {"toan": "reviewer.toan", "khtn": "reviewer.khtn"}
SUBJECT_NAMES = {"toan": "Toán", "khtn": "Khoa học tự nhiên", "ngu_van": "Ngữ văn"}
CHANGES_NOTE = ("Bảng đáp án có lỗi: (−7) + 12 = 5, không phải −5; bài 3 cũng ghi sai đáp án (nhiệt độ "
                "buổi trưa là 7 °C). Sửa đáp án rồi gửi lại.")


@functools.cache
def _lesson_file(index):
    """(bytes, file name) of LESSONS[index], made once per process (tests seed the demo often)."""
    _owner, subject, grade, _order, _kind, fmt, title, _description, _target, content = LESSONS[index]
    subtitle = f"{SUBJECT_NAMES[subject]} {grade} · Kết nối tri thức với cuộc sống"
    data, extension = _document(fmt, title, subtitle, content)
    return data, _file_name(title, extension)


def _document(fmt, title, subtitle, content):
    """(bytes, file extension) of a lesson; a PDF becomes a worksheet where no font draws
    Vietnamese (see demo_documents)."""
    if fmt == "pdf" and demo_documents.pdf_font() is not None:
        return demo_documents.pdf(title, subtitle, content), "pdf"
    if fmt == "pptx":
        return demo_documents.pptx(title, subtitle, content), "pptx"
    if fmt == "pdf":
        exercises = [paragraph for _heading, paragraphs in content for paragraph in paragraphs]
        return demo_documents.docx(title, subtitle, "", exercises, numbered=False), "docx"
    return demo_documents.docx(title, subtitle, content["instructions"], content["exercises"],
                               content.get("table")), "docx"


def _file_name(title, extension):
    """"Bài 25. Phép cộng…" → "bai-25-phep-cong-….pptx", as a teacher would name the file."""
    slug = "-".join(re.findall(r"[a-z0-9]+", fold(title)))[:60].strip("-")
    return f"{slug}.{extension}"


def seed_demo_materials(users=None):
    """Create the demo lessons that do not exist yet; returns {title: material} of all of them."""
    users = users or {}

    def user(username):
        if username not in users:
            users[username] = db.session.scalar(db.select(User).where(User.username == username))
        return users[username]

    review_services.ensure_default_criteria()
    scores = {c.code: (None if c.code == "accessibility" else 3) for c in review_services.criteria()}
    subjects = {s.code: s for s in db.session.scalars(db.select(Subject))}
    made = {}
    for index, (owner, subject, grade, order, kind, _fmt, title, description, target, _content) \
            in enumerate(LESSONS):
        teacher = user(owner)
        if teacher is None:  # the people demo changed: skip what has no author
            continue
        existing = db.session.scalar(db.select(Material).where(Material.owner_id == teacher.id,
                                                               Material.title == title))
        if existing is not None:
            made[title] = existing
            continue
        topic = db.session.scalar(db.select(Topic.id).where(
            Topic.subject_id == subjects[subject].id, Topic.grade == grade, Topic.position == order))
        upload = files.upload_from_bytes(*_lesson_file(index))
        material = services.create_material(teacher, {
            "title": title, "description": f"<p>{description}</p>", "subject": subject, "grade": str(grade),
            "topic": str(topic or ""), "series": "ket_noi", "kind": kind,
            "license": "cc_by_sa" if owner == "gv.khtn" else "cc_by", "uploader_is_author": "1",
            "rights_confirmed": "1"}, upload, "Phiên bản đầu tiên.")
        made[title] = material
        if target == DRAFT:
            continue
        review_services.submit(material, teacher, "Nhờ tổ thẩm định xem giúp.")
        if target == WAITING:
            continue
        reviewer = user(REVIEWERS[subject])
        review_services.claim(material, reviewer)
        if target == APPROVED:
            review_services.decide(material, reviewer, "approve",
                                   "Nội dung chính xác, bám sát yêu cầu cần đạt; dùng được ngay trên lớp.",
                                   scores)
        else:
            review_services.decide(material, reviewer, "request_changes", CHANGES_NOTE,
                                   {"content_accuracy": 1}, reason_code="content_accuracy")
    return made

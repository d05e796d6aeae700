"""The one pager of the list pages (lms/templates/_pager.html): the to-do and the teacher's list,
a class's matrix, the library, my materials, search results and the administration lists."""


def test_the_shared_pager(app):
    with app.test_request_context("/"):
        pager = app.jinja_env.get_template("_pager.html").module.pager
        middle = str(pager("assignments.index", 2, True, 3))
        assert 'href="/assignments/?page=1"' in middle and 'href="/assignments/?page=3"' in middle
        assert "2 / 3" in middle and 'aria-label="Phân trang"' in middle
        assert str(pager("assignments.index", 1, False, 1)).strip() == ""
        older = str(pager("materials.mine", 1, True, None, {"per_page": None}, next_label="Bài cũ hơn"))
        assert 'href="/materials/mine?page=2"' in older and "Bài cũ hơn" in older and "rel=\"prev\"" not in older


def test_a_list_page_shows_it_with_its_query_kept(login_as, demo):
    from lms.extensions import db
    from tests.materials_support import make_material

    make_material(title="Phân số")
    make_material(title="Số thập phân")
    db.session.commit()
    page = login_as("gv.toan").get("/materials/mine?per_page=1").get_data(as_text=True)
    assert 'class="page-link pager-next" rel="next" href="/materials/mine?per_page=1&amp;page=2"' in page
    assert "1 / 2" in page and "pager-prev" not in page

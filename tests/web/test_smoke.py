from tests.conftest import login


def test_demo_admin_signs_in_and_sees_dashboard(client, demo):
    response = login(client, "admin")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Xin chào" in page

from ..schools import queries as school_queries


def user_json(user):
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "school_id": user.school_id,
        "class_ids": school_queries.class_ids_for(user),
    }


def subject_json(subject):
    return {"code": subject.code, "name_vi": subject.name_vi, "name_en": subject.name_en,
            "grades": list(subject.grades)}


def topic_json(topic):
    return {"id": topic.id, "subject": topic.subject.code, "grade": topic.grade, "order": topic.position,
            "chapter": topic.chapter, "lesson": topic.lesson}

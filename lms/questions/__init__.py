"""The online question bank (ngân hàng câu hỏi): question types, review through the shared engine,
import and export in GIFT, Aiken, Moodle XML and Vietnamese Word files."""

import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def english_messages(db):
    """Services' messages are lazy translations; read them in English here.

    The language tests force their own locale inside this one.
    """
    with force_locale("en"):
        yield

from zerolegwork import create_app

app = create_app()

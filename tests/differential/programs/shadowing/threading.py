WHO = 'the script\'s own threading.py'

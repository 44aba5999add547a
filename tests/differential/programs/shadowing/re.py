WHO = 'the script\'s own re.py'

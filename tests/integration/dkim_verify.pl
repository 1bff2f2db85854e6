#!/usr/bin/perl
# Offline DKIM verification with Mail::DKIM (libmail-dkim-perl), for the
# integration tests (see dkim_verifiers.py, which drives this script).
#
# No network: Mail::DKIM's resolver is replaced by an in-memory one that
# answers TXT queries from the key records given on the command line or in a
# file; any other name gets NXDOMAIN.
#
# Usage:
#   dkim_verify.pl [--key NAME=TXT]... [--keys FILE]... [--all] [MESSAGE|-]
#
#   --key NAME=TXT  a TXT record, e.g. 'sel._domainkey.example.com=v=DKIM1; k=rsa; p=...'
#                   (split at the first '='; a DNS name holds no '=')
#   --keys FILE     one NAME=TXT record a line; blank lines and '#' lines ignored
#   --all           exit 0 only if every signature passes (default: at least one)
#   MESSAGE         the message file; standard input if absent or '-'
#
# Output: one line per DKIM-Signature field, in message order:
#   <result> d=<domain> s=<selector> a=<algorithm> h=<signed fields, lower-case, ':'-joined>[ (<detail>)]
# result is Mail::DKIM's: pass, fail, invalid, temperror, ...; the detail in
# parentheses is given whenever Mail::DKIM has one (always for non-pass).
# A message without a signature prints "none".
#
# Exit status: 0 if at least one signature passes (with --all: all do),
# 1 otherwise, 2 on a usage error.
#
# Note: Mail::DKIM 1.20230212 (Debian 12) knows rsa-sha1 and rsa-sha256 only;
# an ed25519-sha256 signature is reported as
# "invalid ... (unsupported algorithm)" (or "public key: unsupported key type").
use strict;
use warnings;

use Getopt::Long qw(GetOptions);
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

my %records;    # lower-case name without trailing dot => TXT data

sub add_record {
    my ($spec, $where) = @_;
    my ($name, $txt) = split /=/, $spec, 2;
    die "$where: expected NAME=TXT, got '$spec'\n" unless defined $txt && length $name;
    $name = lc $name;
    $name =~ s/\.$//;
    $records{$name} = $txt;
}

my (@key_args, @key_files, $all, $help);
GetOptions(
    'key=s'  => \@key_args,
    'keys=s' => \@key_files,
    'all'    => \$all,
    'help'   => \$help,
) or exit 2;
if ($help || @ARGV > 1) {
    print STDERR "usage: $0 [--key NAME=TXT]... [--keys FILE]... [--all] [MESSAGE|-]\n";
    exit 2;
}
eval {
    add_record($_, '--key') for @key_args;
    for my $file (@key_files) {
        open my $fh, '<', $file or die "$file: $!\n";
        while (my $line = <$fh>) {
            $line =~ s/\r?\n$//;
            next if $line =~ /^\s*(#|$)/;
            add_record($line, "$file:$.");
        }
        close $fh;
    }
    1;
} or do { print STDERR $@; exit 2 };

# The in-memory resolver: Mail::DKIM::DNS::query() calls send() and reads
# the rcode and answer section of the packet it returns.
package FakeResolver {
    sub new { my ($class, $records) = @_; return bless { records => $records, error => 'NOERROR' }, $class }

    sub send {
        my ($self, $name, $type) = @_;
        my $key = lc $name;
        $key =~ s/\.$//;
        my $packet = Net::DNS::Packet->new($name, $type, 'IN');
        $packet->header->qr(1);
        $packet->header->aa(1);
        my $txt = $self->{records}{$key};
        if (defined $txt && uc($type) eq 'TXT') {
            # a TXT record is a list of character-strings of at most 255 octets
            my @chunks = length $txt ? unpack('(a255)*', $txt) : ('');
            $packet->header->rcode('NOERROR');
            $packet->push(answer => Net::DNS::RR->new(owner => $name, type => 'TXT', ttl => 300, txtdata => \@chunks));
        } elsif (defined $txt) {
            $packet->header->rcode('NOERROR');    # NODATA
        } else {
            $packet->header->rcode('NXDOMAIN');
        }
        return $packet;
    }

    sub errorstring { return $_[0]{error} }
}

package main;

Mail::DKIM::DNS::resolver(FakeResolver->new(\%records));

my $in;
if (!@ARGV || $ARGV[0] eq '-') {
    $in = \*STDIN;
} else {
    open $in, '<', $ARGV[0] or do { print STDERR "$ARGV[0]: $!\n"; exit 2 };
}
binmode $in;
my $message = do { local $/; <$in> };
$message = '' unless defined $message;
# Mail::DKIM expects the SMTP wire form (CRLF); like dkimpy, treat a bare LF
# as a line end. A message whose last line has no line end gets CRLF: DKIM
# hashes the body as if it had one (RFC 6376 3.4.3, 3.4.4), and so does
# SMTP, which adds it before the final "."; Mail::DKIM 1.20230212 does not
# for c=*/simple and would fail such a message that dkimpy and OpenDKIM pass.
$message =~ s/(?<!\r)\n/\r\n/g;
$message .= "\r\n" if length $message && $message !~ /\n\z/;

my $dkim = Mail::DKIM::Verifier->new();
$dkim->PRINT($message);
$dkim->CLOSE;

my @sigs = grep { $_->isa('Mail::DKIM::Signature') } $dkim->signatures;
if (!@sigs) {
    print "none\n";
    exit 1;
}

my $passed = 0;
for my $sig (@sigs) {
    my $result = $sig->result || 'none';
    my $detail = $sig->result_detail // '';
    # result_detail is "result (detail)"; keep the detail
    $detail = $detail =~ /^\S+\s+\((.*)\)\s*$/s ? $1 : '';
    $detail =~ s/\s+/ /g;
    my $h = lc($sig->headerlist // '');
    $h =~ s/\s+//g;
    my $line = sprintf '%s d=%s s=%s a=%s h=%s', $result,
        $sig->domain // '', $sig->selector // '', lc($sig->algorithm // ''), $h;
    $line .= " ($detail)" if length $detail;
    print "$line\n";
    $passed++ if $result eq 'pass';
}

exit(($all ? $passed == @sigs : $passed > 0) ? 0 : 1);

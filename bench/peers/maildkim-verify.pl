#!/usr/bin/perl
# bench/peers/maildkim-verify.pl - Mail::DKIM verifies a whole mboxrd corpus in
# one process, keys from a zone file (no network).
#
#   perl bench/peers/maildkim-verify.pl keys.zone corpus.mbox
#
# Prints "INDEX<TAB>v1 v2 ..." per message, one class per DKIM-Signature, top
# first (pass fail permerror temperror neutral policy; "-" when unsigned).
# DNS: Mail::DKIM::DNS::query is replaced by a lookup in the zone's TXT
# records (built once as Net::DNS::RR objects), the same answers authsweep
# gets from --dns=zone; an absent name is NXDOMAIN (empty list, $@ set).
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::RR;

my ( $zone, $mbox ) = @ARGV;
my %TXT;
open my $z, '<', $zone or die "$zone: $!";
while (<$z>) {
    next unless /^(\S+)\.\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$/;
    my ( $name, $rest ) = ( lc $1, $2 );
    my $data = join '', ( $rest =~ /"([^"]*)"/g );
    push @{ $TXT{$name} }, Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => $data );
}
close $z;

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $domain, $type ) = @_;
        my $rrs = $TXT{ lc $domain };
        if ( !$rrs || uc $type ne 'TXT' ) { $@ = 'NXDOMAIN'; return; }
        return @$rrs;
    };
}

# Mail::DKIM result -> class: 'invalid' is a permerror (syntax, no key,
# revoked), 'none' cannot occur for a listed signature.
my %CLASS = ( pass => 'pass', fail => 'fail', invalid => 'permerror',
    temperror => 'temperror', neutral => 'neutral', policy => 'policy' );

sub verify_one {
    my ( $idx, $msg ) = @_;
    $msg =~ s/\r?\n/\r\n/g;
    my $v = Mail::DKIM::Verifier->new();
    $v->PRINT($msg);
    $v->CLOSE;
    my @c = map { $CLASS{ $_->result } // $_->result } $v->signatures;
    print $idx, "\t", ( @c ? join( ' ', @c ) : '-' ), "\n";
}

# mboxrd: cut at ^From , drop the separator line and the writer's last LF,
# remove one '>' from ^>+From lines.
open my $in, '<:raw', $mbox or die "$mbox: $!";
my ( $cur, $idx ) = ( undef, 0 );
while ( my $line = <$in> ) {
    if ( $line =~ /^From / ) {
        if ( defined $cur ) { $cur =~ s/\n\z//; verify_one( $idx++, $cur ); }
        $cur = '';
        next;
    }
    $line =~ s/^>(>*From )/$1/;
    $cur .= $line;
}
if ( defined $cur ) { $cur =~ s/\n\z//; verify_one( $idx++, $cur ); }

# Plots of one evaluation (report.sh runs it with dir, out, algos, name, cap):
#   OUT-best.png    normalised best so far against samples, median and p10-p90 band
#   OUT-cdf.png     share of runs that have measured the optimum after N samples
#   OUT-levels.png  median samples to reach each share of the optimum
# Data: DIR/curve-ALGO.dat (step p10 median p90 share-at-optimum) and
# DIR/levels-ALGO.dat (level median p90; NaN beyond the cap).
set terminal pngcairo size 900,600 font ",11" noenhanced
set key bottom right
set grid
n = words(algos)
colour(i) = word("#1f77b4 #7f7f7f #2ca02c #9467bd #ff7f0e #d62728 #17becf #8c564b #e377c2 #bcbd22", i)

set output out."-best.png"
set title name.": best so far (median, p10-p90 band)"
set xlabel "samples (initial design included)"
set ylabel "best / optimum"
set xrange [1:cap]
set yrange [0.5:1.01]
set style fill transparent solid 0.12 noborder
plot for [i=1:n] dir."/curve-".word(algos, i).".dat" using 1:2:4 with filledcurves lc rgb colour(i) notitle, \
     for [i=1:n] dir."/curve-".word(algos, i).".dat" using 1:3 with lines lw 2 lc rgb colour(i) title word(algos, i)

set output out."-cdf.png"
set title name.": runs that have measured the optimum"
set ylabel "share of runs"
set yrange [0:1.01]
set key top left
plot for [i=1:n] dir."/curve-".word(algos, i).".dat" using 1:5 with steps lw 2 lc rgb colour(i) title word(algos, i)

set output out."-levels.png"
set title name.": samples to reach a share of the optimum (median; missing: beyond ".cap.")"
set xlabel "share of the optimum (%)"
set ylabel "samples"
set logscale y
set xrange [68:101]
set yrange [1:cap]
set key top left
plot for [i=1:n] dir."/levels-".word(algos, i).".dat" using 1:2 with linespoints lw 2 pt 7 lc rgb colour(i) title word(algos, i)
